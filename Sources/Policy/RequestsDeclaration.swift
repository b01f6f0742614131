/// How data-subject requests (access, erasure, …) are answered.
public struct RequestsDeclaration: Sendable, Equatable, Codable {
    /// Days within which a request is answered; at most 30 (the GDPR allows one month).
    public var deadlineDays: Int
    /// Where requests can be sent.
    public var contactEmail: String

    /// Creates the declaration.
    public init(deadlineDays: Int, contactEmail: String) {
        self.deadlineDays = deadlineDays
        self.contactEmail = contactEmail
    }
}
