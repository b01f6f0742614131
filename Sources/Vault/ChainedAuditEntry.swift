/// A stored audit entry: its record plus the chain hashes as stored in the database.
public struct ChainedAuditEntry: Sendable, Equatable {
    /// The entry's content.
    public var record: AuditRecord
    /// The ``hash`` of the entry before it, or ``AuditChain/genesis`` for entry 1.
    public var previousHash: String
    /// ``AuditChain/hash(record:previousHash:)`` of this entry, lowercase hex.
    public var hash: String

    /// Creates an entry from its stored parts; see ``AuditChain/chain(_:after:)`` to create a new one.
    public init(record: AuditRecord, previousHash: String, hash: String) {
        self.record = record
        self.previousHash = previousHash
        self.hash = hash
    }
}
