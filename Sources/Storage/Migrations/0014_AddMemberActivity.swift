import SQLKit

/// When each member last signed in, and when they were warned that an unused account will be deleted: what the
/// retention job needs to end an account's purpose after a long time without use.
struct AddMemberActivity: Migration {
    let id = "0014_AddMemberActivity"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.alter(table: "members").column("last_active_at", type: .bigint).run()
        try await database.alter(table: "members").column("inactivity_warned_at", type: .bigint).run()
        try await database.create(index: "security_events_created").on("security_events").column("created_at").run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.drop(index: "security_events_created").run()
        try await database.alter(table: "members").dropColumn("inactivity_warned_at").run()
        try await database.alter(table: "members").dropColumn("last_active_at").run()
    }
}
