import Foundation
import Testing
import Vault

@Suite struct AuditChainTests {
    /// A record with plausible, non-personal content for position `sequence`.
    private static func record(_ sequence: Int64) -> AuditRecord {
        AuditRecord(
            sequence: sequence,
            occurredAt: 1_700_000_000_000 + sequence * 1_000,
            actor: sequence.isMultiple(of: 3) ? "system" : "member:6f1c2a3e-0000-4000-8000-\(sequence)",
            subject: sequence.isMultiple(of: 2) ? nil : "subject-\(sequence)",
            action: sequence == 1 ? "account.register" : "profile.update",
            requestID: sequence.isMultiple(of: 5) ? nil : "req-\(sequence)",
            details: #"{"n":\#(sequence)}"#
        )
    }

    /// A correctly chained list of `count` entries, numbered from 1.
    private static func chain(count: Int) -> [ChainedAuditEntry] {
        var entries: [ChainedAuditEntry] = []
        for sequence in 1...Int64(count) {
            entries.append(AuditChain.chain(record(sequence), after: entries.last))
        }
        return entries
    }

    // MARK: Hashing

    @Test func genesisIs64Zeros() {
        // Then
        #expect(AuditChain.genesis == String(repeating: "0", count: 64))
    }

    @Test func hashMatchesTheStoredFormat() {
        // Given: SHA-256 of the length-prefixed encoding, computed independently; stored chains must keep verifying.
        let record = AuditRecord(
            sequence: 1, occurredAt: 1_700_000_000_000, actor: "system", subject: nil, action: "account.register",
            requestID: "req-1", details: "{}"
        )

        // When
        let hash = AuditChain.hash(record: record, previousHash: AuditChain.genesis)

        // Then
        #expect(hash == "38a8b694c836c02dd4250307b4b51105fafce9fa3391768217a00d361e990bfa")
    }

    @Test func hashChangesWhenAnyFieldOrThePreviousHashChanges() {
        // Given
        let original = Self.record(7)
        let previousHash = Token.hash("previous")
        var variants: [(AuditRecord, String)] = [(original, Token.hash("other previous"))]
        var edited = original
        edited.sequence += 1
        variants.append((edited, previousHash))
        edited = original
        edited.occurredAt += 1
        variants.append((edited, previousHash))
        edited = original
        edited.actor = "staff:1"
        variants.append((edited, previousHash))
        edited = original
        edited.subject = nil
        variants.append((edited, previousHash))
        edited = original
        edited.action = "account.delete"
        variants.append((edited, previousHash))
        edited = original
        edited.requestID = nil
        variants.append((edited, previousHash))
        edited = original
        edited.details = #"{"n":8}"#
        variants.append((edited, previousHash))

        // When
        let originalHash = AuditChain.hash(record: original, previousHash: previousHash)
        let variantHashes = variants.map { AuditChain.hash(record: $0.0, previousHash: $0.1) }

        // Then
        #expect(originalHash.isLowercaseHex(count: 64))
        #expect(Set(variantHashes + [originalHash]).count == variants.count + 1)
    }

    @Test func hashEncodingIsUnambiguous() {
        // Given records whose text fields would concatenate to the same bytes, and nil against empty text
        var base = Self.record(1)
        base.actor = "ab"
        base.action = "c"
        var shifted = base
        shifted.actor = "a"
        shifted.action = "bc"
        var nilSubject = base
        nilSubject.subject = nil
        var emptySubject = base
        emptySubject.subject = ""
        var nilRequest = base
        nilRequest.requestID = nil
        var emptyRequest = base
        emptyRequest.requestID = ""

        // When
        let hashes = [base, shifted, nilSubject, emptySubject, nilRequest, emptyRequest].map {
            AuditChain.hash(record: $0, previousHash: AuditChain.genesis)
        }

        // Then
        #expect(Set(hashes).count == hashes.count)
    }

    @Test func chainLinksEachEntryToThePreviousOne() {
        // When
        let entries = Self.chain(count: 3)

        // Then
        #expect(entries[0].previousHash == AuditChain.genesis)
        #expect(entries[1].previousHash == entries[0].hash)
        #expect(entries[2].previousHash == entries[1].hash)
        for entry in entries {
            #expect(entry.hash == AuditChain.hash(record: entry.record, previousHash: entry.previousHash))
        }
    }

    // MARK: Verifying intact chains

    @Test func verifyReportsFiftyChainedEntriesAsIntact() {
        // Given
        let entries = Self.chain(count: 50)

        // When
        let result = AuditChain.verify(entries)

        // Then
        #expect(result == .intact(count: 50))
    }

    @Test func verifyReportsAnEmptyChainAsIntact() {
        // When
        let result = AuditChain.verify([ChainedAuditEntry]())

        // Then
        #expect(result == .intact(count: 0))
    }

    @Test func verifyAcceptsAnySequenceOfEntries() {
        // Given
        let entries = Self.chain(count: 5)

        // When
        let result = AuditChain.verify(entries.lazy.map { $0 })

        // Then
        #expect(result == .intact(count: 5))
    }

    // MARK: Edited entries

    @Test(arguments: [1, 20, 50])
    func verifyReportsAnEditedFieldAsChangedAtThatEntry(position: Int) {
        // Given
        var entries = Self.chain(count: 50)

        // When
        entries[position - 1].record.details = #"{"n":"forged"}"#

        // Then
        #expect(AuditChain.verify(entries) == .broken(sequence: Int64(position), problem: .changed))
    }

    @Test(arguments: [1, 20, 49])
    func verifyReportsAnEditRecomputedIntoItsHashAsChangedAtThatEntry(position: Int) {
        // Given
        var entries = Self.chain(count: 50)
        let index = position - 1

        // When the attacker also recomputes the edited entry's own hash
        entries[index].record.actor = "system"
        entries[index].record.occurredAt += 60_000
        entries[index].hash = AuditChain.hash(record: entries[index].record, previousHash: entries[index].previousHash)

        // Then the next entry's link exposes it
        #expect(AuditChain.verify(entries) == .broken(sequence: Int64(position), problem: .changed))
    }

    @Test func verifyReportsAnEditedPreviousHashAsChangedAtThatEntry() {
        // Given
        var entries = Self.chain(count: 10)

        // When
        entries[4].previousHash = Token.hash("made up")

        // Then
        #expect(AuditChain.verify(entries) == .broken(sequence: 5, problem: .changed))
    }

    @Test func verifyReportsAFirstEntryNotLinkedToGenesisAsChanged() {
        // Given
        var entries = Self.chain(count: 10)

        // When the first entry is rebuilt on a made-up predecessor, with a matching hash
        entries[0] = AuditChain.chain(
            entries[0].record,
            after: ChainedAuditEntry(record: Self.record(0), previousHash: AuditChain.genesis, hash: Token.hash("x")))

        // Then
        #expect(AuditChain.verify(entries) == .broken(sequence: 1, problem: .changed))
    }

    @Test func verifyReportsASequenceNumberBelowOneAsChanged() {
        // Given
        var entries = Self.chain(count: 3)

        // When
        entries[0].record.sequence = 0

        // Then
        #expect(AuditChain.verify(entries) == .broken(sequence: 0, problem: .changed))
    }

    // MARK: Removed entries

    @Test(arguments: [1, 2, 25, 49])
    func verifyReportsADeletedEntryAsRemovedAtItsNumber(position: Int) {
        // Given
        var entries = Self.chain(count: 50)

        // When
        entries.remove(at: position - 1)

        // Then
        #expect(AuditChain.verify(entries) == .broken(sequence: Int64(position), problem: .removed))
    }

    @Test func verifyReportsSeveralDeletedEntriesAtTheFirstMissingNumber() {
        // Given
        var entries = Self.chain(count: 50)

        // When
        entries.removeSubrange(9..<12)

        // Then
        #expect(AuditChain.verify(entries) == .broken(sequence: 10, problem: .removed))
    }

    @Test func verifyCannotSeeTheLastEntryDeleted() {
        // Given
        var entries = Self.chain(count: 50)

        // When
        entries.removeLast()

        // Then: a cut-off tail is only visible against a count kept elsewhere (documented on AuditChain)
        #expect(AuditChain.verify(entries) == .intact(count: 49))
    }

    // MARK: Reordered entries

    @Test(arguments: [1, 20, 49])
    func verifyReportsSwappedEntriesWithTheirSequenceNumbersAsReordered(position: Int) {
        // Given
        var entries = Self.chain(count: 50)

        // When entries k and k+1 trade places in stored order, each keeping its own sequence number
        entries.swapAt(position - 1, position)

        // Then
        #expect(AuditChain.verify(entries) == .broken(sequence: Int64(position), problem: .reordered))
    }

    @Test(arguments: [1, 20, 49])
    func verifyReportsSwappedEntriesRenumberedInPlaceAsReordered(position: Int) {
        // Given
        var entries = Self.chain(count: 50)
        let index = position - 1

        // When entries k and k+1 trade places but the sequence numbers stay in order
        entries.swapAt(index, index + 1)
        entries[index].record.sequence = Int64(position)
        entries[index + 1].record.sequence = Int64(position + 1)

        // Then
        #expect(AuditChain.verify(entries) == .broken(sequence: Int64(position), problem: .reordered))
    }

    @Test func verifyReportsADuplicatedEntryAsReordered() {
        // Given
        var entries = Self.chain(count: 10)

        // When
        entries.insert(entries[3], at: 4)

        // Then
        #expect(AuditChain.verify(entries) == .broken(sequence: 4, problem: .reordered))
    }

    @Test func verifyReportsAnEntryMovedFarBackAsReordered() {
        // Given
        var entries = Self.chain(count: 10)

        // When entry 3 is moved to the end
        entries.append(entries.remove(at: 2))

        // Then
        #expect(AuditChain.verify(entries) == .broken(sequence: 3, problem: .reordered))
    }

    // MARK: Descriptions and coding

    @Test func outcomesDescribeThemselvesInPlainEnglish() {
        // Then
        #expect(
            AuditVerification.broken(sequence: 7, problem: .changed).description
                == "entry 7 was changed after it was written")
        #expect(AuditVerification.broken(sequence: 7, problem: .removed).description == "entry 7 was removed")
        #expect(
            AuditVerification.broken(sequence: 7, problem: .reordered).description
                == "entry 7 was moved out of its original position")
        #expect(AuditVerification.intact(count: 50).description == "all 50 entries are intact")
        #expect(AuditProblem.changed.description == "an entry was changed after it was written")
    }

    @Test func recordRoundTripsThroughJSON() throws {
        // Given
        let records = [Self.record(1), Self.record(10)]

        // When
        let decoded = try JSONDecoder().decode([AuditRecord].self, from: JSONEncoder().encode(records))

        // Then
        #expect(decoded == records)
        #expect(decoded[1].subject == nil)
        #expect(decoded[1].requestID == nil)
    }
}
