import SQLKit

/// When a member asked to restrict the processing of their data (GDPR Art. 18): kept, but not used.
struct AddMemberRestriction: Migration {
    let id = "0015_AddMemberRestriction"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.alter(table: "members").column("restricted_at", type: .bigint).run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.alter(table: "members").dropColumn("restricted_at").run()
    }
}
