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
}
