import Foundation
import SQLKit

/// Mailing lists, their subscribers (sealed like members), subscriptions, interest tags, double opt-in
/// confirmations, the suppression list, campaigns with their per-recipient deliveries, and site updates.
struct CreateMailingTables: Migration {
    let id = "0011_CreateMailingTables"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.create(table: "mailing_lists")
            .textID()
            .column("name", type: .text, .notNull)
            .column("description", type: .text, .notNull)
            .column("purpose", type: .text, .notNull)
            .column("visibility", type: .text, .notNull)
            .timestamps()
            .run()
        // A person on one or more lists. Members have one row too (member_id set), sealed with their own key.
        try await database.create(table: "subscribers")
            .textID()
            .column("subject_id", type: .text, .notNull)
            .column("member_id", type: .text)
            .column("email_index", type: .text, .notNull)
            .column("email_enc", type: .blob, .notNull)
            .column("name_enc", type: .blob)
            .timestamps()
            .run()
        try await database.create(index: "subscribers_email").unique().on("subscribers").column("email_index").run()
        // Only members' rows have a member id: a partial index stays small when a list has 100,000 subscribers.
        try await database.raw(
            "CREATE INDEX subscribers_member ON subscribers (member_id) WHERE member_id IS NOT NULL"
        ).run()
        try await database.create(table: "subscriptions")
            .column("list_id", type: .text, .notNull)
            .column("subscriber_id", type: .text, .notNull)
            .column("status", type: .text, .notNull)
            .column("source", type: .text, .notNull)
            .column("consented_at", type: .bigint, .notNull)
            .column("confirmed_at", type: .bigint)
            .timestamps()
            .primaryKey("list_id", "subscriber_id")
            .run()
        try await database.create(index: "subscriptions_subscriber").on("subscriptions").column("subscriber_id").run()
        try await database.create(table: "subscriber_tags")
            .column("subscriber_id", type: .text, .notNull)
            .column("tag", type: .text, .notNull)
            .primaryKey("subscriber_id", "tag")
            .run()
        try await database.create(table: "subscription_confirmations")
            .column("token_hash", type: .text, .primaryKey(autoIncrement: false), .notNull)
            .column("subscriber_id", type: .text, .notNull)
            .column("list_id", type: .text, .notNull)
            .column("expires_at", type: .bigint, .notNull)
            .column("used_at", type: .bigint)
            .column("created_at", type: .bigint, .notNull)
            .run()
        // Addresses never to mail again (list_id '*' for every list): only the keyed fingerprint stays.
        try await database.create(table: "suppressions")
            .column("email_index", type: .text, .notNull)
            .column("list_id", type: .text, .notNull)
            .column("reason", type: .text, .notNull)
            .column("detail", type: .text)
            .column("created_at", type: .bigint, .notNull)
            .primaryKey("email_index", "list_id")
            .run()
        try await database.create(table: "campaigns")
            .textID()
            .column("list_id", type: .text, .notNull)
            .column("subject", type: .text, .notNull)
            .column("body", type: .text, .notNull)
            .column("tags", type: .text, .notNull)
            .column("status", type: .text, .notNull)
            .column("track_opens", type: .custom(SQLRaw("BOOLEAN")), .notNull)
            .column("track_clicks", type: .custom(SQLRaw("BOOLEAN")), .notNull)
            .column("scheduled_at", type: .bigint)
            .column("started_at", type: .bigint)
            .column("expanded_at", type: .bigint)
            .column("finished_at", type: .bigint)
            .column("recipients", type: .int, .notNull)
            .column("created_by", type: .text, .notNull)
            .column("site_update_id", type: .text)
            .timestamps()
            .run()
        try await database.create(index: "campaigns_status").on("campaigns").column("status").run()
        // One row per recipient and campaign; integer ids keep 100,000-row campaigns compact.
        let id =
            kind == .postgres ? "id BIGSERIAL PRIMARY KEY" : "id INTEGER PRIMARY KEY"
        try await database.raw(
            """
            CREATE TABLE deliveries (
                \(unsafeRaw: id),
                campaign_id TEXT NOT NULL,
                subscriber_id TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at BIGINT NOT NULL,
                claimed_at BIGINT,
                claimed_by TEXT,
                last_error TEXT,
                sent_at BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """
        ).run()
        try await database.create(index: "deliveries_queue").on("deliveries")
            .column("campaign_id").column("status").column("next_attempt_at").run()
        try await database.create(index: "deliveries_subscriber").on("deliveries").column("subscriber_id").run()
        try await database.create(table: "site_updates")
            .textID()
            .column("title", type: .text, .notNull)
            .column("body", type: .text, .notNull)
            .column("published_at", type: .bigint, .notNull)
            .column("created_by", type: .text, .notNull)
            .column("campaign_id", type: .text)
            .timestamps()
            .run()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for list in [
            ("newsletter", "Newsletter", "Our newsletter.", "newsletter"),
            ("site_updates", "Website updates", "An e-mail when we update the website.", "site_updates"),
            (
                "promotions_events", "Promotions and events", "Our promotions and invitations to events.",
                "promotions_events"
            ),
        ] {
            try await database.insert(into: "mailing_lists")
                .columns("id", "name", "description", "purpose", "visibility", "created_at", "updated_at")
                .values(
                    SQLBind(list.0), SQLBind(list.1), SQLBind(list.2), SQLBind(list.3), SQLBind("public"), SQLBind(now),
                    SQLBind(now)
                )
                .run()
        }
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        for table in [
            "site_updates", "deliveries", "campaigns", "suppressions", "subscription_confirmations", "subscriber_tags",
            "subscriptions", "subscribers", "mailing_lists",
        ] {
            try await database.drop(table: table).run()
        }
    }
}
