import SQLKit
import Storage

/// The analytics tables: raw events read for the roll-ups, the roll-ups written and queried.
///
/// Dashboard queries read `analytics_rollups` only; the one read of raw events outside the roll-up job is the
/// visitors of the last five minutes, a range on the time index.
struct SQLAnalyticsRepository: Sendable {
    let database: Database

    /// Rows per INSERT statement when writing roll-ups.
    static let insertBatch = 200
    /// How far below the last rolled-up id to look again for events committed late (out of id order).
    static let lookback: Int64 = 10_000

    // MARK: Roll-up job

    /// The id up to which events have been rolled up.
    func highWater() async throws -> Int64 {
        let row = try await database.sql.select().column("value").from("analytics_rollup_state")
            .where("name", .equal, "last_event_id").first()
        return try row?.decode(column: "value", as: Int64.self) ?? 0
    }

    /// The newest event id, and the days with events after `highWater` (minus the look-back), oldest first.
    func pendingDays(after highWater: Int64) async throws -> (maxID: Int64, days: [Int64]) {
        let maxRow = try await database.sql.raw("SELECT MAX(id) AS id FROM analytics_events").first()
        let maxID = try maxRow?.decode(column: "id", as: Int64?.self) ?? 0
        guard maxID > highWater else { return (maxID, []) }
        let rows = try await database.sql.raw(
            """
            SELECT DISTINCT day FROM analytics_events
            WHERE id > \(bind: max(0, highWater - Self.lookback)) AND id <= \(bind: maxID) ORDER BY day
            """
        ).all()
        return (maxID, try rows.map { try $0.decode(column: "day", as: Int64.self) })
    }

    /// Every raw event of a day, as the roll-ups read it.
    func events(day: Int64) async throws -> [RawEvent] {
        let rows = try await database.sql.raw(
            """
            SELECT occurred_at, kind, path, source, referrer_host, utm_campaign, browser, browser_version, os,
                os_version, device, country, visitor, duration_ms, link, name
            FROM analytics_events
            WHERE occurred_at >= \(bind: day * Rollup.dayMS) AND occurred_at < \(bind: (day + 1) * Rollup.dayMS)
            """
        ).all()
        return try rows.map { row in
            RawEvent(
                occurredAt: try row.decode(column: "occurred_at", as: Int64.self),
                kind: try row.decode(column: "kind", as: String.self),
                path: try row.decode(column: "path", as: String.self),
                source: try row.decode(column: "source", as: String.self),
                referrerHost: try row.decode(column: "referrer_host", as: String.self),
                utmCampaign: try row.decode(column: "utm_campaign", as: String.self),
                browser: try row.decode(column: "browser", as: String.self),
                browserVersion: try row.decode(column: "browser_version", as: String.self),
                os: try row.decode(column: "os", as: String.self),
                osVersion: try row.decode(column: "os_version", as: String.self),
                device: try row.decode(column: "device", as: String.self),
                country: try row.decode(column: "country", as: String.self),
                visitor: try row.decode(column: "visitor", as: String.self),
                durationMS: try row.decode(column: "duration_ms", as: Int64?.self),
                link: try row.decode(column: "link", as: String?.self),
                name: try row.decode(column: "name", as: String?.self))
        }
    }

    /// Replaces a day's roll-ups (daily and hourly) with `rows`, in one transaction.
    func replaceRollups(day: Int64, rows: [(key: RollupKey, metrics: RollupMetrics)]) async throws {
        try await database.transaction { db in
            try await db.raw(
                """
                DELETE FROM analytics_rollups WHERE (period = 'd' AND bucket = \(bind: day))
                    OR (period = 'h' AND bucket >= \(bind: day * 24) AND bucket < \(bind: day * 24 + 24))
                """
            ).run()
            for start in stride(from: 0, to: rows.count, by: Self.insertBatch) {
                var insert = db.insert(into: "analytics_rollups").columns(
                    "period", "segment", "dimension", "bucket", "value", "visitors", "pageviews", "visits", "bounces",
                    "visit_ms", "engaged_ms", "engagements", "events")
                for (key, metrics) in rows[start..<min(start + Self.insertBatch, rows.count)] {
                    insert = insert.values(
                        SQLBind(key.period), SQLBind(key.segment), SQLBind(key.dimension), SQLBind(key.bucket),
                        SQLBind(key.value), SQLBind(metrics.visitors), SQLBind(metrics.pageviews),
                        SQLBind(metrics.visits), SQLBind(metrics.bounces), SQLBind(metrics.visitMS),
                        SQLBind(metrics.engagedMS), SQLBind(metrics.engagements), SQLBind(metrics.events))
                }
                try await insert.run()
            }
        }
    }

    /// Records how far the roll-ups have read.
    func setHighWater(_ id: Int64) async throws {
        try await database.transaction { db in
            try await db.delete(from: "analytics_rollup_state").where("name", .equal, "last_event_id").run()
            try await db.insert(into: "analytics_rollup_state").columns("name", "value")
                .values(SQLBind("last_event_id"), SQLBind(id)).run()
        }
    }

    // MARK: Queries (roll-ups only)

    /// Summed totals of a segment over whole days `from...to`.
    func totals(segment: String, from: Int64, to: Int64) async throws -> RollupMetrics {
        let row = try await database.sql.raw(
            """
            SELECT \(unsafeRaw: Self.sums) FROM analytics_rollups
            WHERE period = 'd' AND segment = \(bind: segment) AND dimension = ''
                AND bucket >= \(bind: from) AND bucket <= \(bind: to)
            """
        ).first()
        return try row.map(Self.metrics) ?? RollupMetrics()
    }

    /// A segment's totals per bucket (`d`: days `from...to`; `h`: hours `from...to`); buckets without rows are
    /// missing from the answer.
    func series(period: String, segment: String, from: Int64, to: Int64) async throws -> [Int64: RollupMetrics] {
        let rows = try await database.sql.raw(
            """
            SELECT bucket, \(unsafeRaw: Self.sums) FROM analytics_rollups
            WHERE period = \(bind: period) AND segment = \(bind: segment) AND dimension = ''
                AND bucket >= \(bind: from) AND bucket <= \(bind: to)
            GROUP BY bucket
            """
        ).all()
        var series: [Int64: RollupMetrics] = [:]
        for row in rows { series[try row.decode(column: "bucket", as: Int64.self)] = try Self.metrics(row) }
        return series
    }

    /// The top values of a dimension over days `from...to`, by visitors (events for outbound links and custom
    /// events), then by value.
    func breakdown(segment: String, dimension: StatsDimension, from: Int64, to: Int64, limit: Int) async throws
        -> [(value: String, metrics: RollupMetrics)]
    {
        let order = dimension.countsEvents ? "SUM(events)" : "SUM(visitors)"
        let rows = try await database.sql.raw(
            """
            SELECT value, \(unsafeRaw: Self.sums) FROM analytics_rollups
            WHERE period = 'd' AND segment = \(bind: segment) AND dimension = \(bind: dimension.rawValue)
                AND bucket >= \(bind: from) AND bucket <= \(bind: to)
            GROUP BY value ORDER BY \(unsafeRaw: order) DESC, value LIMIT \(bind: limit)
            """
        ).all()
        return try rows.map { (try $0.decode(column: "value", as: String.self), try Self.metrics($0)) }
    }

    /// Whether any roll-up exists at all.
    func hasData() async throws -> Bool {
        try await database.sql.raw("SELECT 1 AS one FROM analytics_rollups LIMIT 1").first() != nil
    }

    /// Distinct visitors with an event since `since` (milliseconds).
    func visitors(since: Int64) async throws -> Int {
        let row = try await database.sql.raw(
            "SELECT COUNT(DISTINCT visitor) AS n FROM analytics_events WHERE occurred_at >= \(bind: since)"
        ).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    private static let sums = """
        CAST(COALESCE(SUM(visitors), 0) AS BIGINT) AS visitors, CAST(COALESCE(SUM(pageviews), 0) AS BIGINT) AS pageviews,
        CAST(COALESCE(SUM(visits), 0) AS BIGINT) AS visits, CAST(COALESCE(SUM(bounces), 0) AS BIGINT) AS bounces,
        CAST(COALESCE(SUM(visit_ms), 0) AS BIGINT) AS visit_ms, CAST(COALESCE(SUM(engaged_ms), 0) AS BIGINT) AS engaged_ms,
        CAST(COALESCE(SUM(engagements), 0) AS BIGINT) AS engagements, CAST(COALESCE(SUM(events), 0) AS BIGINT) AS events
        """

    private static func metrics(_ row: any SQLRow) throws -> RollupMetrics {
        RollupMetrics(
            visitors: try row.decode(column: "visitors", as: Int64.self),
            pageviews: try row.decode(column: "pageviews", as: Int64.self),
            visits: try row.decode(column: "visits", as: Int64.self),
            bounces: try row.decode(column: "bounces", as: Int64.self),
            visitMS: try row.decode(column: "visit_ms", as: Int64.self),
            engagedMS: try row.decode(column: "engaged_ms", as: Int64.self),
            engagements: try row.decode(column: "engagements", as: Int64.self),
            events: try row.decode(column: "events", as: Int64.self))
    }
}
