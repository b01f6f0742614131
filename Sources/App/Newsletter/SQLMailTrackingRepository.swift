import Foundation
import SQLKit
import Storage

/// The `mail_opens` and `mail_clicks` tables: what recipients who consented to tracking opened and clicked.
struct SQLMailTrackingRepository: Sendable {
    let database: Database

    /// What recording an event for a delivery needs to know.
    struct TrackedDelivery: Sendable, Equatable {
        let campaignID: String
        let subjectID: String
        /// Nil for a subscriber without an account (who cannot consent to tracking).
        let memberID: String?
        let trackOpens: Bool
        let trackClicks: Bool
    }

    /// One open or click, for the person's data export.
    struct Event: Sendable, Equatable {
        /// The campaign's subject.
        let campaign: String
        /// `open` or `click`.
        let kind: String
        /// The link, for a click.
        let url: String?
        let times: Int
        let firstAt: Int64
        let lastAt: Int64
    }

    /// The delivery with its recipient and its campaign's switches, or nil when it (or its recipient) is gone.
    func delivery(id: Int64) async throws -> TrackedDelivery? {
        let row = try await database.sql.raw(
            """
            SELECT d.campaign_id, s.subject_id, s.member_id, c.track_opens, c.track_clicks
            FROM deliveries d
            JOIN subscribers s ON s.id = d.subscriber_id
            JOIN campaigns c ON c.id = d.campaign_id
            WHERE d.id = \(bind: id)
            """
        ).first()
        guard let row else { return nil }
        return TrackedDelivery(
            campaignID: try row.decode(column: "campaign_id", as: String.self),
            subjectID: try row.decode(column: "subject_id", as: String.self),
            memberID: try row.decode(column: "member_id", as: String?.self),
            trackOpens: try row.decode(column: "track_opens", as: Bool.self),
            trackClicks: try row.decode(column: "track_clicks", as: Bool.self))
    }

    /// Records an open: the first one creates the row, later ones count and move the last-open time.
    func recordOpen(deliveryID: Int64, delivery: TrackedDelivery, now: Int64) async throws {
        try await database.sql.raw(
            """
            INSERT INTO mail_opens (delivery_id, campaign_id, subject_id, times, created_at, updated_at)
            VALUES (\(bind: deliveryID), \(bind: delivery.campaignID), \(bind: delivery.subjectID), 1, \(bind: now),
                \(bind: now))
            ON CONFLICT (delivery_id) DO UPDATE SET times = mail_opens.times + 1, updated_at = excluded.updated_at
            """
        ).run()
    }

    /// Records a click on one link: one row per delivery and link, counted.
    func recordClick(deliveryID: Int64, delivery: TrackedDelivery, url: String, now: Int64) async throws {
        try await database.sql.raw(
            """
            INSERT INTO mail_clicks (delivery_id, campaign_id, subject_id, url, times, created_at, updated_at)
            VALUES (\(bind: deliveryID), \(bind: delivery.campaignID), \(bind: delivery.subjectID), \(bind: url), 1,
                \(bind: now), \(bind: now))
            ON CONFLICT (delivery_id, url) DO UPDATE SET times = mail_clicks.times + 1, updated_at = excluded.updated_at
            """
        ).run()
    }

    /// How many recipients of a campaign opened it, and how many clicked a link (each recipient counted once).
    func counts(campaignID: String) async throws -> (opened: Int, clicked: Int) {
        let opened =
            try await database.sql.raw(
                "SELECT COUNT(*) AS n FROM mail_opens WHERE campaign_id = \(bind: campaignID)"
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        let clicked =
            try await database.sql.raw(
                "SELECT COUNT(DISTINCT delivery_id) AS n FROM mail_clicks WHERE campaign_id = \(bind: campaignID)"
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        return (opened, clicked)
    }

    /// Every open and click recorded for the subjects, oldest first.
    func events(subjectIDs: [String]) async throws -> [Event] {
        guard !subjectIDs.isEmpty else { return [] }
        let rows = try await database.sql.raw(
            """
            SELECT c.subject, 'open' AS kind, NULL AS url, o.times AS times, o.created_at AS first_at,
                o.updated_at AS last_at
            FROM mail_opens o JOIN campaigns c ON c.id = o.campaign_id
            WHERE o.subject_id IN \(SQLBind.group(subjectIDs))
            UNION ALL
            SELECT c.subject, 'click' AS kind, k.url AS url, k.times AS times, k.created_at AS first_at,
                k.updated_at AS last_at
            FROM mail_clicks k JOIN campaigns c ON c.id = k.campaign_id
            WHERE k.subject_id IN \(SQLBind.group(subjectIDs))
            ORDER BY first_at, kind
            """
        ).all()
        return try rows.map { row in
            Event(
                campaign: try row.decode(column: "subject", as: String.self),
                kind: try row.decode(column: "kind", as: String.self),
                url: try row.decode(column: "url", as: String?.self),
                times: try row.decode(column: "times", as: Int.self),
                firstAt: try row.decode(column: "first_at", as: Int64.self),
                lastAt: try row.decode(column: "last_at", as: Int64.self))
        }
    }

    /// Deletes every open and click of the subjects (erasure), inside the caller's transaction.
    static func delete(subjectIDs: [String], on db: any SQLDatabase) async throws {
        guard !subjectIDs.isEmpty else { return }
        try await db.delete(from: "mail_opens").where("subject_id", .in, SQLBind.group(subjectIDs)).run()
        try await db.delete(from: "mail_clicks").where("subject_id", .in, SQLBind.group(subjectIDs)).run()
    }
}
