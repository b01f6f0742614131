import Foundation
import Logging
import SQLKit
import Storage
import Testing
import Vault

@testable import App

/// The SQLite fast path of `AuditLog.verify()`: it confirms intact logs on its own and hands everything else to the
/// precise check. SQLite only, so these tests use an SQLite file also in the PostgreSQL pass.
@Suite struct AuditChainScanTests {
    /// A migrated SQLite database with `count` entries recorded through `AuditLog`, some with non-ASCII text and
    /// without subject or request id.
    private func withLog(count: Int, _ body: (Database, AuditLog) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-scan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let logger = Logger(label: "test")
        let database = try await Database.open(
            .sqlite(path: folder.appendingPathComponent("steward.sqlite").path), logger: logger)
        do {
            try await Migrator(database: database, logger: logger).migrate()
            let audit = AuditLog(database: database, clock: FakeWallClock(Date(timeIntervalSince1970: 1_700_000_000)))
            for index in 0..<count {
                try await audit.record(
                    index.isMultiple(of: 3) ? "test.plain" : "test.unicode",
                    actor: index.isMultiple(of: 4) ? .system : .staff("Zoë-\(index)"),
                    subject: index.isMultiple(of: 5) ? nil : "日本-\(index)",
                    requestID: index.isMultiple(of: 2) ? nil : "r-\(index)",
                    details: index.isMultiple(of: 3) ? [:] : ["note": "👩‍💻 \(index)", "quote": "\"\\"])
            }
            try await body(database, audit)
            await database.shutdown()
        } catch {
            await database.shutdown()
            throw error
        }
    }

    /// What the scan alone says.
    private func scan(_ database: Database) async throws -> Int? {
        try #require(try await database.withSQLiteReader { try AuditChainScan.intactCount($0) })
    }

    /// Appends an entry whose details are raw bytes (hashed as stored), moving the head to it.
    private func appendRaw(details: [UInt8], to database: Database) async throws -> Int64 {
        let head = try #require(try await database.sql.raw("SELECT sequence, hash FROM audit_head").first())
        let previous = try head.decode(column: "hash", as: String.self)
        let sequence = try head.decode(column: "sequence", as: Int64.self) + 1
        let hasher = AuditEntryHasher()
        let hash = Array(previous.utf8).withUnsafeBytes { previousBytes in
            Array("system".utf8).withUnsafeBytes { actor in
                Array("test.raw".utf8).withUnsafeBytes { action in
                    details.withUnsafeBytes { details in
                        String(
                            decoding: hasher.hash(
                                previousHash: previousBytes, sequence: sequence, occurredAt: 1, actor: actor,
                                subject: nil, action: action, requestID: nil, details: details),
                            as: UTF8.self)
                    }
                }
            }
        }
        let hex = details.map { String(format: "%02x", $0) }.joined()
        try await database.sql.raw(
            """
            INSERT INTO audit_log
                (sequence, occurred_at, actor, subject, action, request_id, details, previous_hash, hash)
            VALUES (\(bind: sequence), 1, 'system', NULL, 'test.raw', NULL, CAST(X'\(unsafeRaw: hex)' AS TEXT),
                \(bind: previous), \(bind: hash))
            """
        ).run()
        try await database.sql.update("audit_head").set("sequence", to: sequence).set("hash", to: hash)
            .where("id", .equal, 1).run()
        return sequence
    }

    @Test func anIntactLogIsConfirmedByTheScanAlone() async throws {
        try await withLog(count: 40) { database, audit in
            // When
            let scanned = try await scan(database)

            // Then
            #expect(scanned == 40)
            #expect(try await audit.verify() == .intact(count: 40))
        }
    }

    @Test func anEmptyLogIsConfirmed() async throws {
        try await withLog(count: 0) { database, audit in
            // When
            let scanned = try await scan(database)

            // Then
            #expect(scanned == 0)
            #expect(try await audit.verify() == .intact(count: 0))
        }
    }

    @Test func everyKindOfTamperingIsLeftToThePreciseCheck() async throws {
        // Given one edit per case, and what the precise check names
        let cases: [(String, AuditVerification)] = [
            (
                "UPDATE audit_log SET details = '{\"forged\":\"yes\"}' WHERE sequence = 7",
                .broken(sequence: 7, problem: .changed)
            ),
            ("UPDATE audit_log SET subject = NULL WHERE sequence = 2", .broken(sequence: 2, problem: .changed)),
            (
                "UPDATE audit_log SET occurred_at = occurred_at + 1 WHERE sequence = 1",
                .broken(sequence: 1, problem: .changed)
            ),
            ("DELETE FROM audit_log WHERE sequence = 5", .broken(sequence: 5, problem: .removed)),
            ("DELETE FROM audit_log WHERE sequence = 10", .broken(sequence: 10, problem: .removed)),
            ("UPDATE audit_log SET sequence = 0 WHERE sequence = 1", .broken(sequence: 0, problem: .changed)),
            ("UPDATE audit_head SET hash = upper(hash)", .broken(sequence: 10, problem: .changed)),
            ("UPDATE audit_head SET sequence = 11", .broken(sequence: 11, problem: .removed)),
        ]
        for (edit, expected) in cases {
            try await withLog(count: 10) { database, audit in
                // When
                try await database.sql.raw(SQLQueryString(edit)).run()

                // Then
                #expect(try await scan(database) == nil, "\(edit)")
                #expect(try await audit.verify() == expected, "\(edit)")
            }
        }
    }

    @Test func aColumnOfAnotherTypeFailsAsThePreciseCheckDoes() async throws {
        try await withLog(count: 4) { database, audit in
            // Given a time stored as a real number, which no writer stores
            try await database.sql.raw("UPDATE audit_log SET occurred_at = 1.5 WHERE sequence = 3").run()

            // When
            let scanned = try await scan(database)

            // Then the scan does not vouch for it, and verification fails reading it, as the precise check does
            #expect(scanned == nil)
            await #expect(throws: DecodingError.self) { try await audit.verify() }
        }
    }

    @Test func reorderedEntriesAreLeftToThePreciseCheck() async throws {
        try await withLog(count: 6) { database, audit in
            // Given entries 2 and 3 swapped, each keeping its number
            let sql = database.sql
            try await sql.update("audit_log").set("sequence", to: 1002).where("sequence", .equal, 2).run()
            try await sql.update("audit_log").set("sequence", to: 2).where("sequence", .equal, 3).run()
            try await sql.update("audit_log").set("sequence", to: 3).where("sequence", .equal, 1002).run()

            // Then
            #expect(try await scan(database) == nil)
            #expect(try await audit.verify() == .broken(sequence: 2, problem: .reordered))
        }
    }

    @Test(arguments: [
        // A NUL byte: SQLiteNIO reads text up to it, so the precise check sees other details.
        Array(#"{"a":""#.utf8) + [0] + Array(#""}"#.utf8),
        // Not UTF-8: the precise check reads it with a replacement character.
        Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8),
    ])
    func textThePreciseCheckReadsDifferentlyIsLeftToIt(details: [UInt8]) async throws {
        try await withLog(count: 4) { database, audit in
            // Given an entry whose hash is right for its stored bytes
            let sequence = try await appendRaw(details: details, to: database)

            // Then the scan does not vouch for it, and the result is the precise check's
            #expect(try await scan(database) == nil)
            #expect(try await audit.verify() == .broken(sequence: sequence, problem: .changed))
        }
    }

    @Test func rawTextThatIsPlainUTF8IsConfirmed() async throws {
        try await withLog(count: 4) { database, audit in
            // Given an entry appended with raw bytes that are valid UTF-8 without NUL, longer than 8 bytes
            _ = try await appendRaw(details: Array(#"{"a":"Zoë 日本 👩‍💻 and more ASCII"}"#.utf8), to: database)

            // Then both checks agree it is intact
            #expect(try await scan(database) == 5)
            #expect(try await audit.verify() == .intact(count: 5))
        }
    }
}
