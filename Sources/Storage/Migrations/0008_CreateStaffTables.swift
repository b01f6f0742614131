import SQLKit

/// Staff accounts (with role and TOTP secret) and their one-time invitations.
struct CreateStaffTables: Migration {
    let id = "0008_CreateStaffTables"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.create(table: "staff")
            .textID()
            .column("subject_id", type: .text, .notNull, .unique)
            .column("email_index", type: .text, .notNull, .unique)
            .column("email_enc", type: .blob, .notNull)
            .column("name_enc", type: .blob, .notNull)
            .column("password_hash", type: .text, .notNull)
            .column("role", type: .text, .notNull)
            .column("totp_secret_enc", type: .blob)
            .column("totp_enabled_at", type: .bigint)
            .column("totp_last_step", type: .bigint)
            .timestamps()
            .run()
        try await database.create(table: "staff_invites")
            .textID()
            .column("email_index", type: .text)
            .column("email_enc", type: .blob)
            .column("role", type: .text, .notNull)
            .column("invited_by", type: .text)
            .column("expires_at", type: .bigint, .notNull)
            .column("used_at", type: .bigint)
            .timestamps()
            .run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.drop(table: "staff_invites").run()
        try await database.drop(table: "staff").run()
    }
}
