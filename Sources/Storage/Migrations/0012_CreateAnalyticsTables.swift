import SQLKit

/// Cookie-less analytics: raw events (nothing personal: no IP address, no identifier that lasts beyond a day) and
/// the daily salts of the visitor hash, each deleted once its day is over; hourly and daily roll-ups.
struct CreateAnalyticsTables: Migration {
    let id = "0012_CreateAnalyticsTables"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        let id = kind == .postgres ? "id BIGSERIAL PRIMARY KEY" : "id INTEGER PRIMARY KEY"
        try await database.raw(
            """
            CREATE TABLE analytics_events (
                \(unsafeRaw: id),
                occurred_at BIGINT NOT NULL,
                day INTEGER NOT NULL,
                kind TEXT NOT NULL,
                host TEXT NOT NULL,
                path TEXT NOT NULL,
                source TEXT NOT NULL,
                referrer_host TEXT NOT NULL,
                utm_source TEXT NOT NULL,
                utm_medium TEXT NOT NULL,
                utm_campaign TEXT NOT NULL,
                browser TEXT NOT NULL,
                browser_version TEXT NOT NULL,
                os TEXT NOT NULL,
                os_version TEXT NOT NULL,
                device TEXT NOT NULL,
                country TEXT NOT NULL,
                screen_width INTEGER,
                visitor TEXT NOT NULL,
                duration_ms BIGINT,
                link TEXT,
                name TEXT,
                properties TEXT
            )
            """
        ).run()
        try await database.create(index: "analytics_events_time").on("analytics_events").column("occurred_at").run()
        // Totals per hour ("h") and per day ("d"): `bucket` is the hour or day number since 1970 (UTC); `segment` is
        // "" for all traffic, "page:/path" for visits that viewed a page, "source:name" for visits from a source;
        // `dimension` is "" for the segment's totals, else what `value` is (page, entry, exit, source, …).
        try await database.raw(
            """
            CREATE TABLE analytics_rollups (
                period TEXT NOT NULL,
                segment TEXT NOT NULL,
                dimension TEXT NOT NULL,
                bucket INTEGER NOT NULL,
                value TEXT NOT NULL,
                visitors BIGINT NOT NULL,
                pageviews BIGINT NOT NULL,
                visits BIGINT NOT NULL,
                bounces BIGINT NOT NULL,
                visit_ms BIGINT NOT NULL,
                engaged_ms BIGINT NOT NULL,
                engagements BIGINT NOT NULL,
                events BIGINT NOT NULL,
                PRIMARY KEY (period, segment, dimension, bucket, value)
            )\(unsafeRaw: kind == .sqlite ? " WITHOUT ROWID" : "")
            """
        ).run()
        // A day's roll-ups are replaced when its events are rolled up again.
        try await database.create(index: "analytics_rollups_bucket").on("analytics_rollups")
            .column("period").column("bucket").run()
        // How far the roll-ups have read the raw events.
        try await database.create(table: "analytics_rollup_state")
            .column("name", type: .text, .primaryKey(autoIncrement: false), .notNull)
            .column("value", type: .bigint, .notNull)
            .run()
        try await database.create(table: "analytics_salts")
            .column("day", type: .int, .primaryKey(autoIncrement: false), .notNull)
            .column("salt", type: .blob, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.drop(table: "analytics_rollup_state").run()
        try await database.drop(table: "analytics_rollups").run()
        try await database.drop(table: "analytics_salts").run()
        try await database.drop(table: "analytics_events").run()
    }
}
