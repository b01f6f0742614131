import App
import Hummingbird
import SQLKit
import Storage
import Testing
import Vault

@Suite struct AuditLogTests {
    private func seed(_ app: TestApp, count: Int) async throws {
        for index in 1...count {
            try await app.services.audit.record(
                "test.event", actor: .system, subject: "subject-\(index)", requestID: "r\(index)")
        }
    }

    @Test func anUntouchedLogVerifies() async throws {
        try await TestApp.with { app in
            // The first entry is the policy's first publication at start-up.
            try await seed(app, count: 5)
            #expect(try await app.services.audit.verify() == .intact(count: 6))
        }
    }

    @Test func aChangedEntryIsNamed() async throws {
        try await TestApp.with { app in
            try await seed(app, count: 5)
            try await app.services.database.sql.update("audit_log").set("action", to: "test.other")
                .where("sequence", .equal, 3).run()
            #expect(try await app.services.audit.verify() == .broken(sequence: 3, problem: .changed))
        }
    }

    @Test func aRemovedEntryIsNamed() async throws {
        try await TestApp.with { app in
            try await seed(app, count: 5)
            try await app.services.database.sql.delete(from: "audit_log").where("sequence", .equal, 2).run()
            #expect(try await app.services.audit.verify() == .broken(sequence: 2, problem: .removed))
        }
    }

    @Test func removingTheNewestEntryIsCaughtByTheHead() async throws {
        try await TestApp.with { app in
            try await seed(app, count: 5)
            try await app.services.database.sql.delete(from: "audit_log").where("sequence", .equal, 6).run()
            #expect(try await app.services.audit.verify() == .broken(sequence: 6, problem: .removed))
        }
    }

    @Test func reorderedEntriesAreNamed() async throws {
        try await TestApp.with { app in
            try await seed(app, count: 5)
            // Swap the contents of entries 2 and 3, keeping their sequence numbers.
            let sql = app.services.database.sql
            try await sql.update("audit_log").set("sequence", to: 1002).where("sequence", .equal, 2).run()
            try await sql.update("audit_log").set("sequence", to: 2).where("sequence", .equal, 3).run()
            try await sql.update("audit_log").set("sequence", to: 3).where("sequence", .equal, 1002).run()
            let result = try await app.services.audit.verify()
            #expect(result == .broken(sequence: 2, problem: .reordered))
        }
    }

    @Test func changedDetailsAreNamed() async throws {
        try await TestApp.with { app in
            // Given
            try await seed(app, count: 5)

            // When
            try await app.services.database.sql.update("audit_log").set("details", to: #"{"forged":"yes"}"#)
                .where("sequence", .equal, 4).run()

            // Then
            #expect(try await app.services.audit.verify() == .broken(sequence: 4, problem: .changed))
        }
    }

    @Test func entriesWithUnicodeAndMissingFieldsVerify() async throws {
        try await TestApp.with { app in
            // Given entries with non-ASCII text, and without subject or request id
            let audit = app.services.audit
            try await audit.record(
                "test.unicode", actor: .staff("Zoë-日本"), subject: "👩‍💻-e\u{301}", requestID: nil,
                details: ["note": "שלום ﬁ \u{7F}", "quote": "\"{}\\"])
            try await audit.record("test.bare", actor: .anonymous, subject: nil, requestID: nil)
            try await audit.record("test.empty", actor: .system, subject: "", requestID: "")

            // Then
            #expect(try await audit.verify() == .intact(count: 4))
        }
    }

    @Test func aStrayEntryNumberedZeroIsNamed() async throws {
        try await TestApp.with { app in
            // Given a copy of entry 1 numbered 0, which no writer would make
            try await seed(app, count: 3)

            // When
            try await app.services.database.sql.raw(
                """
                INSERT INTO audit_log
                    (sequence, occurred_at, actor, subject, action, request_id, details, previous_hash, hash)
                SELECT 0, occurred_at, actor, subject, action, request_id, details, previous_hash, hash
                FROM audit_log WHERE sequence = 1
                """
            ).run()

            // Then
            #expect(try await app.services.audit.verify() == .broken(sequence: 0, problem: .changed))
        }
    }

    @Test func aRewrittenHeadIsNamed() async throws {
        try await TestApp.with { app in
            // Given
            try await seed(app, count: 3)

            // When the head remembers another last hash
            try await app.services.database.sql.update("audit_head").set("hash", to: String(repeating: "a", count: 64))
                .where("id", .equal, 1).run()

            // Then
            #expect(try await app.services.audit.verify() == .broken(sequence: 4, problem: .changed))
        }
    }

    @Test func aLongLogVerifiesAndAnEditNearItsEndIsNamed() async throws {
        try await TestApp.with { app in
            // Given more entries than one page of the PostgreSQL check, chained here and inserted 500 at a time
            let sql = app.services.database.sql
            let head = try #require(try await sql.raw("SELECT sequence, hash FROM audit_head").first())
            var previous = ChainedAuditEntry(
                record: AuditRecord(
                    sequence: try head.decode(column: "sequence", as: Int64.self), occurredAt: 0, actor: "",
                    subject: nil, action: "", requestID: nil, details: ""),
                previousHash: "", hash: try head.decode(column: "hash", as: String.self))
            let first = previous.record.sequence + 1
            var entries: [ChainedAuditEntry] = []
            for sequence in first..<first + 10_050 {
                let record = AuditRecord(
                    sequence: sequence, occurredAt: 1_700_000_000_000 + sequence, actor: "system",
                    subject: sequence.isMultiple(of: 3) ? nil : "subject-\(sequence % 7)", action: "test.event",
                    requestID: "r\(sequence)", details: #"{"n":"\#(sequence)"}"#)
                previous = AuditChain.chain(record, after: previous)
                entries.append(previous)
            }
            for batch in stride(from: 0, to: entries.count, by: 500) {
                var insert = sql.insert(into: "audit_log").columns(
                    "sequence", "occurred_at", "actor", "subject", "action", "request_id", "details", "previous_hash",
                    "hash")
                for entry in entries[batch..<min(batch + 500, entries.count)] {
                    let record = entry.record
                    insert = insert.values(
                        SQLBind(record.sequence), SQLBind(record.occurredAt), SQLBind(record.actor),
                        SQLBind(record.subject), SQLBind(record.action), SQLBind(record.requestID),
                        SQLBind(record.details), SQLBind(entry.previousHash), SQLBind(entry.hash))
                }
                try await insert.run()
            }
            try await sql.update("audit_head").set("sequence", to: previous.record.sequence)
                .set("hash", to: previous.hash).where("id", .equal, 1).run()
            let audit = app.services.audit
            #expect(try await audit.verify() == .intact(count: 10_051))

            // When
            try await sql.update("audit_log").set("occurred_at", to: 1).where("sequence", .equal, 10_040).run()

            // Then
            #expect(try await audit.verify() == .broken(sequence: 10_040, problem: .changed))
        }
    }
}
