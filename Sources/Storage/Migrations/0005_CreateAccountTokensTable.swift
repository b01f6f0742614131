import SQLKit

/// Single-use, expiring tokens for e-mail verification, e-mail change and password reset (stored hashed).
struct CreateAccountTokensTable: Migration {
    let id = "0005_CreateAccountTokensTable"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.create(table: "account_tokens")
            .textID()
            .column("member_id", type: .text, .notNull)
            .column("purpose", type: .text, .notNull)
            .column("expires_at", type: .bigint, .notNull)
            .column("used_at", type: .bigint)
            .timestamps()
            .run()
        try await database.create(index: "account_tokens_member").on("account_tokens").column("member_id").run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.drop(table: "account_tokens").run()
    }
}
