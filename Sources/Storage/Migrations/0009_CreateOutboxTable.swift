import SQLKit

/// Every e-mail Steward sends: the rendered message sealed with the recipient's data key (or the outbox key).
struct CreateOutboxTable: Migration {
    let id = "0009_CreateOutboxTable"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.create(table: "outbox")
            .textID()
            .column("subject_id", type: .text)
            .column("kind", type: .text, .notNull)
            .column("recipient_enc", type: .blob, .notNull)
            .column("envelope_from", type: .text, .notNull)
            .column("subject_enc", type: .blob, .notNull)
            .column("message_enc", type: .blob, .notNull)
            .column("status", type: .text, .notNull)
            .column("attempts", type: .int, .notNull)
            .column("last_error", type: .text)
            .column("sent_at", type: .bigint)
            .timestamps()
            .run()
        try await database.create(index: "outbox_status").on("outbox").column("status").column("created_at").run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.drop(table: "outbox").run()
    }
}
