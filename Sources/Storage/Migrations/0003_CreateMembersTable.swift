import SQLKit

/// Member accounts; every personal field is sealed with the member's data key.
struct CreateMembersTable: Migration {
    let id = "0003_CreateMembersTable"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.create(table: "members")
            .textID()
            .column("subject_id", type: .text, .notNull, .unique)
            .column("email_index", type: .text, .notNull, .unique)
            .column("email_enc", type: .blob, .notNull)
            .column("name_enc", type: .blob, .notNull)
            .column("street_enc", type: .blob, .notNull)
            .column("postal_code_enc", type: .blob, .notNull)
            .column("city_enc", type: .blob, .notNull)
            .column("country_enc", type: .blob, .notNull)
            .column("extra_enc", type: .blob)
            .column("password_hash", type: .text, .notNull)
            .column("email_verified_at", type: .bigint)
            .column("pending_email_index", type: .text)
            .column("pending_email_enc", type: .blob)
            .timestamps()
            .run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.drop(table: "members").run()
    }
}
