/// One audit entry's content, exactly the fields that ``AuditChain/hash(record:previousHash:)`` covers.
///
/// - Important: Every field must be non-personal: `subject` is a pseudonymous id, `details` holds no names,
///   addresses or free text from users. Audit entries outlive the erasure of a person's data.
public struct AuditRecord: Sendable, Equatable, Codable {
    /// The entry's position in the chain, starting at 1.
    public var sequence: Int64
    /// When it happened, in milliseconds since 1970-01-01 UTC.
    public var occurredAt: Int64
    /// Who acted, e.g. `"member:<uuid>"`, `"staff:<uuid>"`, `"system"`, `"anonymous"`.
    public var actor: String
    /// The pseudonymous id of the person affected, or `nil`.
    public var subject: String?
    /// What happened, e.g. `"account.register"`.
    public var action: String
    /// The request that caused it, or `nil` for background work.
    public var requestID: String?
    /// Non-personal details as JSON text.
    public var details: String

    /// Creates a record from its fields.
    public init(
        sequence: Int64,
        occurredAt: Int64,
        actor: String,
        subject: String?,
        action: String,
        requestID: String?,
        details: String
    ) {
        self.sequence = sequence
        self.occurredAt = occurredAt
        self.actor = actor
        self.subject = subject
        self.action = action
        self.requestID = requestID
        self.details = details
    }
}
