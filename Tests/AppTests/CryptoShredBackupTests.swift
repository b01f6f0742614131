import Foundation
import HTTPTypes
import Logging
import SQLKit
import Storage
import Testing

@testable import App

/// Erasure destroys the person's key in the key store, so a copy of the database taken before the erasure cannot
/// be read for them afterwards.
@Suite struct CryptoShredBackupTests {
    @Test func aCopyTakenBeforeAnErasureCannotBeDecryptedAfterIt() async throws {
        // SQLite only: with PostgreSQL the keys are in the database (documented).
        guard ProcessInfo.processInfo.environment["STEWARD_TEST_DATABASE_URL"] == nil else { return }
        try await TestApp.with { app in
            try await app.test { client in
                // Given a member with canary details, and a copy of the database file taken now
                let browser = try await RetentionTests.register(client)
                let database = app.services.database
                try await database.sql.raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
                let live = app.dataDirectory.appendingPathComponent("steward.sqlite")
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backup-\(UUID())")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: folder) }
                let copy = folder.appendingPathComponent("steward.sqlite")
                try FileManager.default.copyItem(at: live, to: copy)
                let keystore = app.dataDirectory.appendingPathComponent("steward-keys.sqlite")
                #expect(FileManager.default.fileExists(atPath: keystore.path))

                // The copy holds the sealed profile but no key at all
                let backup = try await Database.open(.sqlite(path: copy.path), logger: Logger(label: "test"))
                do {
                    try await check(app, browser, backup, copy)
                } catch {
                    await backup.shutdown()
                    throw error
                }
                await backup.shutdown()
            }
        }
    }

    func check(_ app: TestApp, _ browser: Browser, _ backup: Database, _ copy: URL) async throws {
        let row = try #require(
            try await backup.sql.raw("SELECT subject_id, name_enc FROM main.members").first())
        let subject = try row.decode(column: "subject_id", as: String.self)
        let sealedName = try row.decode(column: "name_enc", as: Data.self)
        let keysInCopy = try await backup.sql.raw(
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'data_keys'"
        ).first()?.decode(column: "n", as: Int.self)
        #expect(keysInCopy == 0)
        // (While the person exists, the live key store opens the copy's data: the copy is a real one.)
        let before = try #require(try await app.services.keyring.key(for: subject))
        #expect(try before.openColumn(sealedName, "members.name_enc") == AccountFlowTests.profile["name"])

        // When the member deletes their account
        try await browser.get("/account/delete")
        let deleted = try await browser.post("/account/delete", ["password": AccountFlowTests.profile["password"]!])
        #expect(deleted.status == .seeOther)

        // Then nothing can open the copy's data any more: the key store has no key for them, and the copy
        // never had one; the plain name appears nowhere in the copy's bytes
        #expect(try await app.services.keyring.key(for: subject) == nil)
        let backupKeyring = Keyring(master: app.services.keyring.master, database: backup)
        // (the copy, opened on its own, has no key table at all)
        await #expect(throws: (any Error).self) { try await backupKeyring.key(for: subject) }
        let bytes = try Data(contentsOf: copy)
        #expect(bytes.range(of: Data(AccountFlowTests.profile["name"]!.utf8)) == nil)
        #expect(bytes.range(of: Data(AccountFlowTests.profile["street"]!.utf8)) == nil)
    }
}
