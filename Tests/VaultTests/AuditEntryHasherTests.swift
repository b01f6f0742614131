import Testing
import Vault

@Suite struct AuditEntryHasherTests {
    /// Text drawn from ASCII, accented Latin, CJK, emoji (including a ZWJ sequence), RTL script and combining marks.
    private static let pieces = [
        "a", "Z", "0", "-", "_", ":", "{", "\"", "}", " ", "\\", "é", "ß", "Zoë", "日本", "👩‍💻", "🇩🇪", "שלום",
        "e\u{301}", "\u{7F}", "\t", "\n", "ﬁ",
    ]

    /// A random string of up to `maxPieces` pieces (possibly empty).
    private static func text(_ random: inout some RandomNumberGenerator, maxPieces: Int = 12) -> String {
        let count = Int.random(in: 0...maxPieces, using: &random)
        return (0..<count).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    /// A random record and previous hash; subject and request id are nil about a third of the time.
    private static func randomEntry(_ random: inout some RandomNumberGenerator) -> (AuditRecord, String) {
        let record = AuditRecord(
            sequence: Int64.random(in: Int64.min...Int64.max, using: &random),
            occurredAt: Int64.random(in: Int64.min...Int64.max, using: &random),
            actor: text(&random),
            subject: Int.random(in: 0..<3, using: &random) == 0 ? nil : text(&random),
            action: text(&random),
            requestID: Int.random(in: 0..<3, using: &random) == 0 ? nil : text(&random),
            details: text(&random, maxPieces: 60))
        let previous = Int.random(in: 0..<4, using: &random) == 0 ? AuditChain.genesis : Token.hash(text(&random))
        return (record, previous)
    }

    /// The hasher's hash of `record`, fed the fields' UTF-8 bytes, as text.
    private static func hash(_ hasher: AuditEntryHasher, _ record: AuditRecord, previousHash: String) -> String {
        withBytes(previousHash, record.actor, record.subject, record.action, record.requestID, record.details) {
            previous, actor, subject, action, requestID, details in
            String(
                decoding: hasher.hash(
                    previousHash: previous!, sequence: record.sequence, occurredAt: record.occurredAt, actor: actor!,
                    subject: subject, action: action!, requestID: requestID, details: details!),
                as: UTF8.self)
        }
    }

    /// Runs `body` with the UTF-8 bytes of six optional strings (nil stays nil).
    private static func withBytes<T>(
        _ a: String?, _ b: String?, _ c: String?, _ d: String?, _ e: String?, _ f: String?,
        _ body: (
            UnsafeRawBufferPointer?, UnsafeRawBufferPointer?, UnsafeRawBufferPointer?, UnsafeRawBufferPointer?,
            UnsafeRawBufferPointer?, UnsafeRawBufferPointer?
        ) -> T
    ) -> T {
        func bytes<R>(_ text: String?, _ next: (UnsafeRawBufferPointer?) -> R) -> R {
            guard let text else { return next(nil) }
            return Array(text.utf8).withUnsafeBytes { next($0) }
        }
        return bytes(a) { a in
            bytes(b) { b in
                bytes(c) { c in bytes(d) { d in bytes(e) { e in bytes(f) { f in body(a, b, c, d, e, f) } } } }
            }
        }
    }

    @Test func matchesAuditChainHashForRandomRecords() {
        // Given a seeded generator, so a failure can be reproduced
        var random = SplitMix64(seed: 0x5EED_A0D1)
        let hasher = AuditEntryHasher()
        var checked = 0

        for _ in 0..<2_000 {
            let (record, previous) = Self.randomEntry(&random)

            // When
            let fast = Self.hash(hasher, record, previousHash: previous)

            // Then
            let expected = AuditChain.hash(record: record, previousHash: previous)
            #expect(fast == expected, "record \(record), previous \(previous)")
            if fast == expected { checked += 1 }
        }
        #expect(checked == 2_000)
    }

    @Test func matchesTheStoredFormatVector() {
        // Given the record whose hash AuditChainTests pins down
        let record = AuditRecord(
            sequence: 1, occurredAt: 1_700_000_000_000, actor: "system", subject: nil, action: "account.register",
            requestID: "req-1", details: "{}")

        // When
        let hash = Self.hash(AuditEntryHasher(), record, previousHash: AuditChain.genesis)

        // Then
        #expect(hash == "38a8b694c836c02dd4250307b4b51105fafce9fa3391768217a00d361e990bfa")
    }

    @Test func keepsNilApartFromEmptyText() {
        // Given records that differ only in nil against empty subject or request id, and every field empty
        let base = AuditRecord(
            sequence: 0, occurredAt: 0, actor: "", subject: nil, action: "", requestID: nil, details: "")
        var emptySubject = base
        emptySubject.subject = ""
        var emptyRequest = base
        emptyRequest.requestID = ""
        var bothEmpty = emptySubject
        bothEmpty.requestID = ""
        let hasher = AuditEntryHasher()

        for record in [base, emptySubject, emptyRequest, bothEmpty] {
            // When
            let fast = Self.hash(hasher, record, previousHash: "")

            // Then
            #expect(fast == AuditChain.hash(record: record, previousHash: ""))
        }
    }

    @Test func growsForEntriesLargerThanItsBuffer() {
        // Given details of about 100 KB, a small entry after it, then a larger one, all with the same hasher
        let hasher = AuditEntryHasher()
        let large = AuditRecord(
            sequence: 7, occurredAt: 1, actor: "system", subject: "s", action: "a", requestID: "r",
            details: String(repeating: "日本👩‍💻", count: 5_000))
        let small = AuditRecord(
            sequence: 8, occurredAt: 2, actor: "system", subject: nil, action: "b", requestID: nil, details: "{}")
        var larger = large
        larger.details += String(repeating: "x", count: 300_000)

        // When
        let largeHash = Self.hash(hasher, large, previousHash: AuditChain.genesis)
        let smallHash = Self.hash(hasher, small, previousHash: largeHash)
        let largerHash = Self.hash(hasher, larger, previousHash: smallHash)

        // Then
        #expect(largeHash == AuditChain.hash(record: large, previousHash: AuditChain.genesis))
        #expect(smallHash == AuditChain.hash(record: small, previousHash: largeHash))
        #expect(largerHash == AuditChain.hash(record: larger, previousHash: smallHash))
    }

    @Test func matchesAcceptsOnlyTheExactStoredHash() {
        // Given an entry and its hash
        let record = AuditRecord(
            sequence: 3, occurredAt: 1_700_000_000_000, actor: "member:x", subject: "s-1", action: "auth.login",
            requestID: "r-1", details: "{}")
        let hash = AuditChain.hash(record: record, previousHash: AuditChain.genesis)
        let hasher = AuditEntryHasher()
        func matches(_ stored: String) -> Bool {
            Self.withBytes(stored, AuditChain.genesis, record.actor, record.subject, record.action, record.requestID) {
                stored, previous, actor, subject, action, requestID in
                Array(record.details.utf8).withUnsafeBytes { details in
                    hasher.matches(
                        stored!, previousHash: previous!, sequence: record.sequence, occurredAt: record.occurredAt,
                        actor: actor!, subject: subject, action: action!, requestID: requestID, details: details)
                }
            }
        }

        // Then: the hash itself matches; upper case, one digit off, shorter or longer do not
        #expect(matches(hash))
        #expect(!matches(hash.uppercased()))
        #expect(!matches(String(hash.dropLast()) + (hash.last == "0" ? "1" : "0")))
        #expect(!matches(String(hash.dropLast())))
        #expect(!matches(hash + "0"))
        #expect(!matches(""))
    }

    @Test func equalComparesWholeHashesOnly() {
        // Given
        let hash = Array(Token.hash("a").utf8)
        var other = hash
        other[63] = other[63] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        var first = hash
        first[0] = first[0] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")

        // Then
        hash.withUnsafeBytes { hash in
            #expect(AuditEntryHasher.equal(hash, hash))
            other.withUnsafeBytes { #expect(!AuditEntryHasher.equal(hash, $0)) }
            first.withUnsafeBytes { #expect(!AuditEntryHasher.equal(hash, $0)) }
            #expect(!AuditEntryHasher.equal(UnsafeRawBufferPointer(rebasing: hash[..<32]), hash))
        }
    }
}

/// A small deterministic random number generator (SplitMix64), so a failing random test can be rerun.
private struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
