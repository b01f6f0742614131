import SQLKit

/// Requests from people about their data (access, correction, erasure, objection), filed by anyone with an e-mail
/// address and answered by staff within the policy's deadline. The address and the details are sealed with the
/// request's own data key.
struct CreatePrivacyRequestsTable: Migration {
    let id = "0016_CreatePrivacyRequestsTable"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.create(table: "privacy_requests")
            .textID()
            .column("subject_id", type: .text, .notNull)
            .column("kind", type: .text, .notNull)
            .column("status", type: .text, .notNull)
            .column("email_index", type: .text, .notNull)
            .column("email_enc", type: .blob, .notNull)
            .column("details_enc", type: .blob, .notNull)
            .column("token_hash", type: .text, .notNull, .unique)
            .column("confirmed_at", type: .bigint)
            .column("due_at", type: .bigint)
            .column("extension_reason", type: .text)
            .column("reminded_at", type: .bigint)
            .column("overdue_notified_at", type: .bigint)
            .column("answered_at", type: .bigint)
            .column("outcome", type: .text)
            .column("handled_by", type: .text)
            .column("download_hash", type: .text)
            .column("download_expires_at", type: .bigint)
            .timestamps()
            .run()
        try await database.create(index: "privacy_requests_status").on("privacy_requests").column("status")
            .column("due_at").run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.drop(table: "privacy_requests").run()
    }
}
