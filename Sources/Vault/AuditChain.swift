import Crypto

/// The tamper-evident hash chain over audit entries.
///
/// Each entry's hash covers its whole record and the previous entry's hash, so changing, removing or moving an
/// entry breaks the chain at that point. Hashes are unkeyed SHA-256: anyone holding the table can check it.
///
/// - Important: The chain alone cannot show that entries were cut off at the end, or that the newest entry was
///   rewritten together with its hash (nothing links to it yet). Compare the count and last hash with a copy kept
///   elsewhere (an export, a log line) to catch that.
public enum AuditChain {
    /// 64 zeros: the previous hash of entry 1.
    public static let genesis = String(repeating: "0", count: 64)

    /// The hash of an entry: SHA-256 over an unambiguous encoding of `previousHash` and every record field.
    ///
    /// Strings are encoded as their UTF-8 length (8 bytes, big-endian) followed by the bytes; integers as 8 bytes
    /// big-endian; optionals as a 0 byte for `nil` or a 1 byte followed by the value. A version label comes first,
    /// so a future encoding cannot collide with this one.
    ///
    /// - Parameters:
    ///   - record: The entry's content.
    ///   - previousHash: The previous entry's hash, or ``genesis`` for entry 1.
    /// - Returns: 64 lowercase hexadecimal characters.
    public static func hash(record: AuditRecord, previousHash: String) -> String {
        var input = HashInput()
        input.append("steward.audit-chain.v1")
        input.append(previousHash)
        input.append(record.sequence)
        input.append(record.occurredAt)
        input.append(record.actor)
        input.append(record.subject)
        input.append(record.action)
        input.append(record.requestID)
        input.append(record.details)
        return SHA256.hash(data: input.bytes).lowercaseHex
    }

    /// Creates the stored entry for `record`, linked to the entry before it.
    ///
    /// - Parameters:
    ///   - record: The new entry's content; the caller gives it the next sequence number (1 for the first entry).
    ///   - previous: The current last entry, or `nil` when the chain is empty.
    /// - Returns: The entry to store.
    public static func chain(_ record: AuditRecord, after previous: ChainedAuditEntry?) -> ChainedAuditEntry {
        let previousHash = previous?.hash ?? genesis
        let entryHash = hash(record: record, previousHash: previousHash)
        return ChainedAuditEntry(record: record, previousHash: previousHash, hash: entryHash)
    }

    /// Checks a whole chain and reports the first bad entry.
    ///
    /// Per entry, in order: the sequence number must be the next one (a missing number is `.removed`, unless it
    /// turns up later, which is `.reordered`; a decrease or repeat is `.reordered`); the previous hash must be the
    /// prior entry's hash (linking to another entry's hash is `.reordered`, otherwise `.changed`); the entry's
    /// hash must match its content (`.changed`). When only the link is wrong while the entry itself is intact, the
    /// prior entry was rewritten with a recomputed hash, and the prior entry is reported as `.changed`.
    ///
    /// - Parameter entries: All entries in stored order (ascending sequence as read from the table).
    /// - Returns: `.intact(count:)` or the first problem found. See the type's note on what cannot be detected.
    public static func verify(_ entries: some Sequence<ChainedAuditEntry>) -> AuditVerification {
        let entries = Array(entries)
        var previous: ChainedAuditEntry?
        for (index, entry) in entries.enumerated() {
            let expected = Int64(index) + 1
            let sequence = entry.record.sequence
            if sequence < 1 {
                // No writer ever assigns such a number, so it was edited.
                return .broken(sequence: sequence, problem: .changed)
            }
            if sequence < expected {
                return .broken(sequence: sequence, problem: .reordered)
            }
            if sequence > expected {
                let movedLater = entries[index...].contains { $0.record.sequence == expected }
                return .broken(sequence: expected, problem: movedLater ? .reordered : .removed)
            }
            let contentIntact = entry.hash == hash(record: entry.record, previousHash: entry.previousHash)
            if entry.previousHash != (previous?.hash ?? genesis) {
                let linksElsewhere = entries.indices.contains { $0 != index && entries[$0].hash == entry.previousHash }
                if linksElsewhere {
                    return .broken(sequence: sequence, problem: .reordered)
                }
                // An intact entry still carries the hash its predecessor had when this entry was written, so the
                // predecessor is the one that changed; otherwise this entry's own link field was edited.
                if contentIntact, let previous {
                    return .broken(sequence: previous.record.sequence, problem: .changed)
                }
                return .broken(sequence: sequence, problem: .changed)
            }
            if !contentIntact {
                return .broken(sequence: sequence, problem: .changed)
            }
            previous = entry
        }
        return .intact(count: entries.count)
    }
}

/// The byte encoding that ``AuditChain/hash(record:previousHash:)`` hashes.
private struct HashInput {
    /// The encoded bytes so far.
    private(set) var bytes: [UInt8] = []

    /// Appends a string as its UTF-8 length (8 bytes, big-endian) and its UTF-8 bytes.
    mutating func append(_ text: String) {
        let utf8 = Array(text.utf8)
        append(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Appends an optional string as a 0 byte for `nil`, or a 1 byte followed by the string.
    mutating func append(_ text: String?) {
        if let text {
            bytes.append(1)
            append(text)
        } else {
            bytes.append(0)
        }
    }

    /// Appends a signed integer as its two's-complement bit pattern, 8 bytes big-endian.
    mutating func append(_ number: Int64) {
        append(UInt64(bitPattern: number))
    }

    /// Appends an unsigned integer as 8 bytes big-endian.
    mutating func append(_ number: UInt64) {
        withUnsafeBytes(of: number.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
