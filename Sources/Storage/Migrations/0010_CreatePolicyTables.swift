import SQLKit

/// Published policy versions (with their source and diff), consent records, and per-member amendment notices.
struct CreatePolicyTables: Migration {
    let id = "0010_CreatePolicyTables"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.create(table: "policy_versions")
            .column("version", type: .int, .primaryKey(autoIncrement: false), .notNull)
            .column("effective_date", type: .text, .notNull)
            .column("content_hash", type: .text, .notNull)
            .column("source", type: .text, .notNull)
            .column("diff", type: .text)
            .column("published_at", type: .bigint, .notNull)
            .run()
        try await database.create(table: "consent_records")
            .textID()
            .column("subject_id", type: .text, .notNull)
            .column("purpose", type: .text, .notNull)
            .column("granted", type: .custom(SQLRaw("BOOLEAN")), .notNull)
            .column("policy_version", type: .int, .notNull)
            .column("policy_hash", type: .text, .notNull)
            .column("method", type: .text, .notNull)
            .column("request_id", type: .text)
            .timestamps()
            .run()
        try await database.create(index: "consent_records_subject").on("consent_records")
            .column("subject_id").column("purpose").column("created_at").run()
        try await database.create(table: "policy_notices")
            .textID()
            .column("member_id", type: .text, .notNull)
            .column("version", type: .int, .notNull)
            .column("mailed_at", type: .bigint)
            .column("acknowledged_at", type: .bigint)
            .timestamps()
            .run()
        try await database.create(index: "policy_notices_member_version").unique().on("policy_notices")
            .column("member_id").column("version").run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.drop(table: "policy_notices").run()
        try await database.drop(table: "consent_records").run()
        try await database.drop(table: "policy_versions").run()
    }
}
