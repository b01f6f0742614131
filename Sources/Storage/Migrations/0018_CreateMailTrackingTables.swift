import SQLKit

/// Opens and clicks of campaign e-mails, recorded only for recipients who consented to tracking: one row per
/// delivery for opens (first open, last open, how many times), one row per delivery and link for clicks.
/// `subject_id` is the recipient's, so that erasure and the data export find the rows without the delivery.
struct CreateMailTrackingTables: Migration {
    let id = "0018_CreateMailTrackingTables"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        let id = kind == .postgres ? "id BIGSERIAL PRIMARY KEY" : "id INTEGER PRIMARY KEY"
        try await database.raw(
            """
            CREATE TABLE mail_opens (
                \(unsafeRaw: id),
                delivery_id BIGINT NOT NULL,
                campaign_id TEXT NOT NULL,
                subject_id TEXT NOT NULL,
                times INTEGER NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """
        ).run()
        try await database.create(index: "mail_opens_delivery").unique().on("mail_opens").column("delivery_id").run()
        try await database.create(index: "mail_opens_campaign").on("mail_opens").column("campaign_id").run()
        try await database.create(index: "mail_opens_subject").on("mail_opens").column("subject_id").run()
        try await database.raw(
            """
            CREATE TABLE mail_clicks (
                \(unsafeRaw: id),
                delivery_id BIGINT NOT NULL,
                campaign_id TEXT NOT NULL,
                subject_id TEXT NOT NULL,
                url TEXT NOT NULL,
                times INTEGER NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """
        ).run()
        try await database.create(index: "mail_clicks_delivery_url").unique().on("mail_clicks")
            .column("delivery_id").column("url").run()
        try await database.create(index: "mail_clicks_campaign").on("mail_clicks").column("campaign_id").run()
        try await database.create(index: "mail_clicks_subject").on("mail_clicks").column("subject_id").run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.drop(table: "mail_clicks").run()
        try await database.drop(table: "mail_opens").run()
    }
}
