import SQLKit

/// API tokens of staff members (for the statistics API): only the token's SHA-256 is stored.
struct CreateStaffTokensTable: Migration {
    let id = "0013_CreateStaffTokensTable"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.create(table: "staff_tokens")
            .textID()
            .column("staff_id", type: .text, .notNull)
            .column("name", type: .text, .notNull)
            .column("token_hash", type: .text, .notNull, .unique)
            .column("last_used_at", type: .bigint)
            .column("revoked_at", type: .bigint)
            .timestamps()
            .run()
        try await database.create(index: "staff_tokens_staff").on("staff_tokens").column("staff_id").run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.drop(table: "staff_tokens").run()
    }
}
