/// The latest consent record for one purpose or recipient.
public struct ConsentGrant: Sendable, Equatable, Codable {
    /// Given (true) or withdrawn (false).
    public var granted: Bool
    /// The policy version in force when it was recorded.
    public var policyVersion: Int
    /// When, in milliseconds since 1970.
    public var at: Int64

    /// Creates a grant.
    public init(granted: Bool, policyVersion: Int, at: Int64) {
        self.granted = granted
        self.policyVersion = policyVersion
        self.at = at
    }
}
