import SQLKit

/// The security log: sign-ins, failures and credential changes with the IP address and browser, sealed.
struct CreateSecurityEventsTable: Migration {
    let id = "0006_CreateSecurityEventsTable"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.create(table: "security_events")
            .textID()
            .column("subject_id", type: .text, .notNull)
            .column("kind", type: .text, .notNull)
            .column("ip_enc", type: .blob, .notNull)
            .column("user_agent_enc", type: .blob, .notNull)
            .timestamps()
            .run()
        try await database.create(index: "security_events_subject").on("security_events")
            .column("subject_id").column("created_at").run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.drop(table: "security_events").run()
    }
}
