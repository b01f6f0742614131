import SQLKit

/// The append-only, hash-chained audit log and its head (which serialises appends).
struct CreateAuditLogTables: Migration {
    let id = "0007_CreateAuditLogTables"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.create(table: "audit_log")
            .column("sequence", type: .bigint, .primaryKey(autoIncrement: false), .notNull)
            .column("occurred_at", type: .bigint, .notNull)
            .column("actor", type: .text, .notNull)
            .column("subject", type: .text)
            .column("action", type: .text, .notNull)
            .column("request_id", type: .text)
            .column("details", type: .text, .notNull)
            .column("previous_hash", type: .text, .notNull)
            .column("hash", type: .text, .notNull)
            .run()
        try await database.create(index: "audit_log_subject").on("audit_log").column("subject").run()
        try await database.create(table: "audit_head")
            .column("id", type: .int, .primaryKey(autoIncrement: false), .notNull)
            .column("sequence", type: .bigint, .notNull)
            .column("hash", type: .text, .notNull)
            .run()
        try await database.insert(into: "audit_head").columns("id", "sequence", "hash")
            .values(SQLBind(1), SQLBind(Int64(0)), SQLBind(String(repeating: "0", count: 64)))
            .run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.drop(table: "audit_head").run()
        try await database.drop(table: "audit_log").run()
    }
}
