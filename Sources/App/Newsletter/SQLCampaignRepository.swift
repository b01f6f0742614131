import Foundation
import SQLKit
import Storage

/// The `campaigns`, `deliveries` and `site_updates` tables.
struct SQLCampaignRepository: Sendable {
    let database: Database

    func all(limit: Int = 200) async throws -> [Campaign] {
        try await database.sql.select().columns("*").from("campaigns").orderBy("created_at", .descending).limit(limit)
            .all().map(Self.decode)
    }

    func find(id: String, on db: (any SQLDatabase)? = nil) async throws -> Campaign? {
        try await (db ?? database.sql).select().columns("*").from("campaigns").where("id", .equal, id).first()
            .map(Self.decode)
    }

    /// Campaigns the engine should work on now: sending ones, and scheduled ones that are due.
    func due(now: Int64) async throws -> [Campaign] {
        try await database.sql.select().columns("*").from("campaigns")
            .where("status", .equal, Campaign.Status.sending.rawValue)
            .orWhere {
                $0.where("status", .equal, Campaign.Status.scheduled.rawValue).where(
                    "scheduled_at", .lessThanOrEqual, now)
            }
            .orderBy("created_at").all().map(Self.decode)
    }

    func insert(_ campaign: Campaign, on db: any SQLDatabase) async throws {
        try await db.insert(into: "campaigns")
            .columns(
                "id", "list_id", "subject", "body", "tags", "status", "track_opens", "track_clicks", "scheduled_at",
                "started_at", "expanded_at", "finished_at", "recipients", "created_by", "site_update_id", "created_at",
                "updated_at"
            )
            .values(
                SQLBind(campaign.id), SQLBind(campaign.listID), SQLBind(campaign.subject), SQLBind(campaign.body),
                SQLBind(Self.encode(campaign.tags)), SQLBind(campaign.status.rawValue), SQLBind(campaign.trackOpens),
                SQLBind(campaign.trackClicks), SQLBind(campaign.scheduledAt), SQLBind(campaign.startedAt),
                SQLBind(campaign.expandedAt), SQLBind(campaign.finishedAt), SQLBind(campaign.recipients),
                SQLBind(campaign.createdBy), SQLBind(campaign.siteUpdateID), SQLBind(campaign.createdAt),
                SQLBind(campaign.updatedAt)
            )
            .run()
    }

    func update(_ campaign: Campaign, on db: any SQLDatabase) async throws {
        try await db.update("campaigns")
            .set("list_id", to: campaign.listID).set("subject", to: campaign.subject).set("body", to: campaign.body)
            .set("tags", to: Self.encode(campaign.tags)).set("status", to: campaign.status.rawValue)
            .set("track_opens", to: campaign.trackOpens).set("track_clicks", to: campaign.trackClicks)
            .set("scheduled_at", to: campaign.scheduledAt).set("started_at", to: campaign.startedAt)
            .set("expanded_at", to: campaign.expandedAt).set("finished_at", to: campaign.finishedAt)
            .set("recipients", to: campaign.recipients).set("site_update_id", to: campaign.siteUpdateID)
            .set("updated_at", to: campaign.updatedAt)
            .where("id", .equal, campaign.id).run()
    }

    /// Sets a campaign's status only if it is still `from` (so a pause or cancel is never overwritten).
    @discardableResult
    func transition(id: String, from: [Campaign.Status], to: Campaign.Status, now: Int64, on db: any SQLDatabase)
        async throws -> Bool
    {
        let rows = try await db.raw(
            """
            UPDATE campaigns SET status = \(bind: to.rawValue), updated_at = \(bind: now)
            WHERE id = \(bind: id) AND status IN (\(SQLList(from.map { SQLBind($0.rawValue) })))
            RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    /// Counts of a campaign's deliveries by state.
    func progress(campaignID: String, on db: (any SQLDatabase)? = nil) async throws -> CampaignProgress {
        var progress = CampaignProgress()
        for row in try await (db ?? database.sql).raw(
            "SELECT status, COUNT(*) AS n FROM deliveries WHERE campaign_id = \(bind: campaignID) GROUP BY status"
        ).all() {
            let count = try row.decode(column: "n", as: Int.self)
            switch try row.decode(column: "status", as: String.self) {
            case "sent": progress.sent += count
            case "failed": progress.failed += count
            case "dropped": progress.dropped += count
            default: progress.pending += count
            }
        }
        return progress
    }

    /// The newest failures of a campaign, for the staff page (reasons only, no addresses).
    func failures(campaignID: String, limit: Int = 20) async throws -> [(reason: String, count: Int)] {
        try await database.sql.raw(
            """
            SELECT last_error, COUNT(*) AS n FROM deliveries
            WHERE campaign_id = \(bind: campaignID) AND status IN ('failed', 'dropped')
            GROUP BY last_error ORDER BY n DESC LIMIT \(unsafeRaw: String(limit))
            """
        ).all().map {
            (
                (try $0.decode(column: "last_error", as: String?.self)) ?? "unknown",
                try $0.decode(column: "n", as: Int.self)
            )
        }
    }

    // MARK: Site updates

    struct SiteUpdate: Sendable {
        let id: String
        let title: String
        let body: String
        let publishedAt: Int64
        let campaignID: String?
    }

    func insertSiteUpdate(_ update: SiteUpdate, createdBy: String, now: Int64, on db: any SQLDatabase) async throws {
        try await db.insert(into: "site_updates")
            .columns("id", "title", "body", "published_at", "created_by", "campaign_id", "created_at", "updated_at")
            .values(
                SQLBind(update.id), SQLBind(update.title), SQLBind(update.body), SQLBind(update.publishedAt),
                SQLBind(createdBy), SQLBind(update.campaignID), SQLBind(now), SQLBind(now)
            )
            .run()
    }

    func siteUpdates(limit: Int = 50) async throws -> [SiteUpdate] {
        try await database.sql.select().columns("*").from("site_updates").orderBy("published_at", .descending)
            .limit(limit).all().map {
                SiteUpdate(
                    id: try $0.decode(column: "id", as: String.self),
                    title: try $0.decode(column: "title", as: String.self),
                    body: try $0.decode(column: "body", as: String.self),
                    publishedAt: try $0.decode(column: "published_at", as: Int64.self),
                    campaignID: try $0.decode(column: "campaign_id", as: String?.self))
            }
    }

    // MARK: Coding

    static func encode(_ tags: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(tags)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func decode(_ row: any SQLRow) throws -> Campaign {
        let tagsJSON = try row.decode(column: "tags", as: String.self)
        return Campaign(
            id: try row.decode(column: "id", as: String.self),
            listID: try row.decode(column: "list_id", as: String.self),
            subject: try row.decode(column: "subject", as: String.self),
            body: try row.decode(column: "body", as: String.self),
            tags: (try? JSONDecoder().decode([String].self, from: Data(tagsJSON.utf8))) ?? [],
            status: Campaign.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .draft,
            trackOpens: try row.decode(column: "track_opens", as: Bool.self),
            trackClicks: try row.decode(column: "track_clicks", as: Bool.self),
            scheduledAt: try row.decode(column: "scheduled_at", as: Int64?.self),
            startedAt: try row.decode(column: "started_at", as: Int64?.self),
            expandedAt: try row.decode(column: "expanded_at", as: Int64?.self),
            finishedAt: try row.decode(column: "finished_at", as: Int64?.self),
            recipients: try row.decode(column: "recipients", as: Int.self),
            createdBy: try row.decode(column: "created_by", as: String.self),
            siteUpdateID: try row.decode(column: "site_update_id", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            updatedAt: try row.decode(column: "updated_at", as: Int64.self))
    }
}
