import SQLKit

/// Server-side sessions (stored by token hash) and remember-me tokens (selector + hashed validator).
struct CreateSessionsTables: Migration {
    let id = "0004_CreateSessionsTables"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.create(table: "sessions")
            .textID()
            .column("kind", type: .text, .notNull)
            .column("principal_id", type: .text, .notNull)
            .column("second_factor_at", type: .bigint)
            .column("expires_at", type: .bigint, .notNull)
            .column("last_seen_at", type: .bigint, .notNull)
            .timestamps()
            .run()
        try await database.create(index: "sessions_principal").on("sessions").column("principal_id").run()
        try await database.create(table: "remember_tokens")
            .textID()
            .column("member_id", type: .text, .notNull)
            .column("validator_hash", type: .text, .notNull)
            .column("expires_at", type: .bigint, .notNull)
            .timestamps()
            .run()
        try await database.create(index: "remember_tokens_member").on("remember_tokens").column("member_id").run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.drop(table: "remember_tokens").run()
        try await database.drop(table: "sessions").run()
    }
}
