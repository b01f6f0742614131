import Storage
import Vault

/// The fast check of an SQLite audit log: one pass over the raw bytes of every entry, in one read transaction.
///
/// It only confirms an intact log. Anything unexpected (a gap or repeat in the numbers, a number below 1, a broken
/// link or hash, a column of the wrong type, text that is not valid UTF-8, a head that does not match the last
/// entry) ends the scan with `nil`, and ``AuditLog`` then runs its precise check to say what is wrong. So the scan
/// decides nothing that the precise check would decide differently; it only gets to "intact" sooner.
enum AuditChainScan {
    /// The entries, oldest first, with the columns in the order the scan reads them.
    private static let entries = """
        SELECT sequence, occurred_at, actor, subject, action, request_id, details, previous_hash, hash
        FROM audit_log ORDER BY sequence
        """

    /// Checks the whole chain and the head in one snapshot.
    ///
    /// - Parameter reader: A reader of Steward's SQLite database.
    /// - Returns: The number of entries when the log is intact, or `nil` when it needs the precise check.
    /// - Throws: ``SQLiteReaderError`` when the database cannot be read.
    static func intactCount(_ reader: SQLiteReader) throws -> Int? {
        try reader.snapshot {
            let hasher = AuditEntryHasher()
            // The hash of the entry before, starting with the genesis hash of entry 1.
            let previous = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
            defer { previous.deallocate() }
            previous.copyBytes(from: AuditChain.genesis.utf8)
            var expected: Int64 = 1
            var intact = true
            try reader.forEachRow(entries) { row in
                guard let entry = Entry(row), entry.sequence == expected,
                    AuditEntryHasher.equal(entry.previousHash, UnsafeRawBufferPointer(previous)),
                    hasher.matches(
                        entry.hash, previousHash: entry.previousHash, sequence: entry.sequence,
                        occurredAt: entry.occurredAt, actor: entry.actor, subject: entry.subject, action: entry.action,
                        requestID: entry.requestID, details: entry.details)
                else {
                    intact = false
                    return false
                }
                previous.copyMemory(from: entry.hash)
                expected += 1
                return true
            }
            guard intact else { return nil }
            var headMatches = false
            try reader.forEachRow("SELECT sequence, hash FROM audit_head WHERE id = 1") { row in
                guard row.type(0) == .integer, row.type(1) == .text, let hash = row.text(1) else { return false }
                headMatches =
                    row.int64(0) == expected - 1 && AuditEntryHasher.equal(hash, UnsafeRawBufferPointer(previous))
                return false
            }
            return headMatches ? Int(expected - 1) : nil
        }
    }

    /// One entry's columns as stored; the buffers are valid until the scan moves on.
    private struct Entry {
        var sequence: Int64
        var occurredAt: Int64
        var actor: UnsafeRawBufferPointer
        var subject: UnsafeRawBufferPointer?
        var action: UnsafeRawBufferPointer
        var requestID: UnsafeRawBufferPointer?
        var details: UnsafeRawBufferPointer
        var previousHash: UnsafeRawBufferPointer
        var hash: UnsafeRawBufferPointer

        /// Reads a row, or `nil` when a column has a type the precise check would read differently (or reject),
        /// or text that the precise check would not read byte for byte: invalid UTF-8 (read with replacement
        /// characters) or a NUL byte (SQLiteNIO reads text as a C string, up to the first NUL).
        init?(_ row: SQLiteReader.Row) {
            guard row.type(0) == .integer, row.type(1) == .integer,
                let actor = Self.text(row, 2), let action = Self.text(row, 4), let details = Self.text(row, 6),
                let previousHash = Self.text(row, 7), let hash = Self.text(row, 8)
            else { return nil }
            let subjectType = row.type(3)
            let requestType = row.type(5)
            guard subjectType == .null || subjectType == .text, requestType == .null || requestType == .text else {
                return nil
            }
            let subject = subjectType == .null ? nil : Self.text(row, 3)
            let requestID = requestType == .null ? nil : Self.text(row, 5)
            if subjectType == .text && subject == nil || requestType == .text && requestID == nil { return nil }
            self.sequence = row.int64(0)
            self.occurredAt = row.int64(1)
            self.actor = actor
            self.subject = subject
            self.action = action
            self.requestID = requestID
            self.details = details
            self.previousHash = previousHash
            self.hash = hash
        }

        /// A text column's bytes when it is text, valid UTF-8 and free of NUL bytes.
        private static func text(_ row: SQLiteReader.Row, _ column: Int32) -> UnsafeRawBufferPointer? {
            guard row.type(column) == .text, let bytes = row.text(column), isPlainUTF8(bytes) else { return nil }
            return bytes
        }

        /// Whether the bytes are valid UTF-8 without a NUL byte. ASCII, which nearly every entry is, is checked 8
        /// bytes at a time; only text with other characters goes through the decoder.
        private static func isPlainUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            var offset = 0
            var high: UInt64 = 0
            var zero: UInt64 = 0
            while offset + 8 <= bytes.count {
                let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                high |= word
                // Non-zero exactly when the word holds a 0 byte.
                zero |= (word &- ones) & ~word & highs
                offset += 8
            }
            while offset < bytes.count {
                let byte = bytes[offset]
                if byte == 0 { return false }
                high |= UInt64(byte)
                offset += 1
            }
            if high & highs == 0 { return zero == 0 }
            var iterator = bytes.makeIterator()
            var decoder = UTF8()
            while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let scalar): if scalar.value == 0 { return false }
                case .emptyInput: return true
                case .error: return false
                }
            }
        }
    }
}
