import Foundation
import Testing

@testable import App

/// The hourly and daily roll-ups: exact figures for a hand-made day, and every dashboard figure checked against a
/// brute-force count over the raw events.
@Suite struct AnalyticsRollupTests {
    /// A small, seeded random number generator, so a failure can be replayed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let day: Int64 = 20_000
    static let dayStart = day * Rollup.dayMS

    static func event(
        _ minute: Int64, _ kind: String = "pageview", path: String = "/", visitor: String = "a", source: String = "",
        browser: String = "Firefox", duration: Int64? = nil, link: String? = nil, name: String? = nil,
        day: Int64 = day
    ) -> StoredEvent {
        StoredEvent(
            occurredAt: day * Rollup.dayMS + minute * 60_000, kind: kind, host: "127.0.0.1", path: path,
            source: source, referrerHost: source.isEmpty ? "" : source.lowercased() + ".example", utmSource: "",
            utmMedium: "", utmCampaign: source == "Newsletter" ? "december" : "", browser: browser,
            browserVersion: "128", os: "Linux", osVersion: "", device: "desktop", country: "", screenWidth: 1280,
            visitor: visitor, durationMS: duration.map(Int.init), link: link, name: name, properties: nil)
    }

    static func raw(_ event: StoredEvent) -> RawEvent {
        RawEvent(
            occurredAt: event.occurredAt, kind: event.kind, path: event.path, source: event.source,
            referrerHost: event.referrerHost, utmCampaign: event.utmCampaign, browser: event.browser,
            browserVersion: event.browserVersion, os: event.os, osVersion: event.osVersion, device: event.device,
            country: event.country, visitor: event.visitor, durationMS: event.durationMS.map(Int64.init),
            link: event.link, name: event.name)
    }

    @Test func aHandMadeDayGivesTheExpectedVisitsBouncesAndDurations() throws {
        // Given visitor a: two pages 5 minutes apart, 20 s engaged on the second, then back 45 minutes later
        // (a second visit, a bounce); and visitor b: one page from Google and a click to another site
        let events = [
            Self.event(10, path: "/"), Self.event(15, path: "/pricing"),
            Self.event(16, "engagement", path: "/pricing", duration: 20_000),
            Self.event(61, path: "/blog"),
            Self.event(30, path: "/", visitor: "b", source: "Google", browser: "Chrome"),
            Self.event(31, "outbound", path: "/", visitor: "b", source: "Google", link: "https://other.example/"),
        ].map(Self.raw)

        // When the day is rolled up
        let rows = Rollup.compute(day: Self.day, events: events)
        func row(_ segment: String = "", _ dimension: String = "", _ value: String = "", period: String = "d")
            -> RollupMetrics?
        {
            rows.first {
                $0.key.period == period && $0.key.segment == segment && $0.key.dimension == dimension
                    && $0.key.value == value
            }?.metrics
        }

        // Then the totals count 2 visitors, 3 visits (2 bounces), 4 page views, and the visits' durations
        let totals = try #require(row())
        #expect(totals.visitors == 2)
        #expect(totals.visits == 3)
        #expect(totals.bounces == 2)
        #expect(totals.pageviews == 4)
        #expect(totals.visitMS == 6 * 60_000 + 60_000)
        #expect(totals.engagedMS == 20_000)
        // And entry and exit pages, sources, outbound links and time on page come out right
        #expect(row("", "entry", "/")?.visits == 2)
        #expect(row("", "entry", "/blog")?.bounces == 1)
        #expect(row("", "exit", "/pricing")?.visits == 1)
        #expect(row("", "source", "Google")?.visitors == 1)
        #expect(row("", "source", "")?.visits == 2)
        #expect(row("", "outbound", "https://other.example/")?.events == 1)
        #expect(row("", "page", "/pricing")?.engagements == 1)
        #expect(row("", "browser_version", "Firefox 128")?.visitors == 1)
        // And the segments hold only their visits: Google's visit, and the visits that viewed /pricing
        #expect(row("source:Google")?.pageviews == 1)
        #expect(row("source:Google", "browser", "Chrome")?.visits == 1)
        #expect(row("page:/pricing")?.pageviews == 1)
        #expect(row("page:/pricing")?.visits == 1)
        #expect(row("page:/pricing", "source", "")?.visitors == 1)
        #expect(row("page:/", "")?.visitors == 2)
        // And hourly rows put each visit in the hour it started
        let hour = Self.day * 24
        #expect(
            rows.first {
                $0.key.period == "h" && $0.key.bucket == hour && $0.key.dimension == "" && $0.key.segment == ""
            }?.metrics.visits == 2)
        #expect(
            rows.first {
                $0.key.period == "h" && $0.key.bucket == hour + 1 && $0.key.dimension == "" && $0.key.segment == ""
            }?.metrics.visits == 1)
    }

    // MARK: Brute force

    /// Visits counted the plain way, straight from the raw events of each visitor and day.
    struct BruteVisit {
        var day: Int64
        var visitor: String
        var pages: [String] = []
        var start: Int64
        var last: Int64
        var source: String
        var browser: String
    }

    static func bruteVisits(_ events: [StoredEvent]) -> [BruteVisit] {
        var visits: [BruteVisit] = []
        let byVisitorDay = Dictionary(grouping: events) { "\($0.occurredAt / Rollup.dayMS)|\($0.visitor)" }
        for (_, group) in byVisitorDay {
            var current: BruteVisit?
            for event in group.sorted(by: { $0.occurredAt < $1.occurredAt }) {
                if event.kind == "pageview" {
                    if current == nil || event.occurredAt - current!.last > 30 * 60_000 {
                        if let visit = current { visits.append(visit) }
                        current = BruteVisit(
                            day: event.occurredAt / Rollup.dayMS, visitor: event.visitor, start: event.occurredAt,
                            last: event.occurredAt, source: event.source, browser: event.browser)
                    }
                    current!.pages.append(event.path)
                    current!.last = event.occurredAt
                } else if current != nil {
                    current!.last = max(current!.last, event.occurredAt)
                }
            }
            if let visit = current { visits.append(visit) }
        }
        return visits
    }

    /// Random traffic over three days: visitors with one to a few visits of one to six pages.
    static func randomEvents(seed: UInt64, visitors: Int) -> [StoredEvent] {
        var random = SplitMix(state: seed)
        let pages = ["/", "/pricing", "/blog", "/blog/a", "/blog/b", "/contact", "/about"]
        let sources = ["", "Google", "Bing", "Newsletter", "news.example"]
        let browsers = ["Firefox", "Chrome", "Safari"]
        var events: [StoredEvent] = []
        for index in 0..<visitors {
            let day = Self.day + Int64.random(in: 0...2, using: &random)
            let visitor = "v\(index)"
            var minute = Int64.random(in: 0..<1300, using: &random)
            let source = sources.randomElement(using: &random)!
            let browser = browsers.randomElement(using: &random)!
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                for _ in 0..<Int.random(in: 1...6, using: &random) {
                    guard minute < 1439 else { break }
                    let path = pages.randomElement(using: &random)!
                    events.append(
                        Self.event(minute, path: path, visitor: visitor, source: source, browser: browser, day: day))
                    if Bool.random(using: &random) {
                        events.append(
                            Self.event(
                                minute + 1, "engagement", path: path, visitor: visitor, source: source,
                                browser: browser, duration: Int64.random(in: 1000...90_000, using: &random), day: day))
                    }
                    if Int.random(in: 0..<10, using: &random) == 0 {
                        events.append(
                            Self.event(
                                minute, "outbound", path: path, visitor: visitor,
                                link: "https://x.example/\(minute % 3)",
                                day: day))
                    }
                    minute += Int64.random(in: 1...12, using: &random)
                }
                minute += Int64.random(in: 31...200, using: &random)
            }
        }
        return events
    }

    @Test(arguments: [UInt64(1), 42])
    func everyFigureMatchesABruteForceCountOverTheRawEvents(seed: UInt64) async throws {
        try await TestApp.with { app in
            // Given three days of random traffic, stored, with half of the last day arriving after a first roll-up
            let events = Self.randomEvents(seed: seed, visitors: 400)
            let lastDay = Self.day + 2
            let late = events.filter { $0.occurredAt >= lastDay * Rollup.dayMS + Rollup.dayMS / 2 }
            let early = events.filter { $0.occurredAt < lastDay * Rollup.dayMS + Rollup.dayMS / 2 }
            let ingestor = app.services.analyticsIngestor
            for event in early { _ = try await ingestor.accept(event) }
            try await ingestor.flush()
            #expect(try await app.services.analyticsRollups.run() == 3)
            for event in late { _ = try await ingestor.accept(event) }
            try await ingestor.flush()
            #expect(try await app.services.analyticsRollups.run() >= 1)
            #expect(try await app.services.analyticsRollups.run() == 0)

            // When the statistics of the three days are asked for
            let request = try StatsRequest.parse(
                ["period": "custom", "from": CivilDate.iso(Self.day), "to": CivilDate.iso(lastDay)], today: lastDay)
            let overview = try await app.services.stats.overview(request, limit: 1000)

            // Then they equal counts made the plain way
            let visits = Self.bruteVisits(events)
            let pageviews = events.filter { $0.kind == "pageview" }
            let dayVisitors = Set(visits.map { "\($0.day)|\($0.visitor)" })
            #expect(overview.totals.visitors == Int64(dayVisitors.count))
            #expect(overview.totals.visits == Int64(visits.count))
            #expect(overview.totals.pageviews == Int64(pageviews.count))
            #expect(overview.totals.bounces == Int64(visits.filter { $0.pages.count == 1 }.count))
            #expect(overview.totals.visitMS == visits.reduce(0) { $0 + $1.last - $1.start })
            let engagements = events.filter { $0.kind == "engagement" }
            #expect(overview.totals.engagedMS == engagements.reduce(0) { $0 + Int64($1.durationMS ?? 0) })

            // Pages: visitors who viewed each, and its views
            let pageRows = Dictionary(uniqueKeysWithValues: overview.breakdowns[.page]!.map { ($0.value, $0.metrics) })
            for (path, views) in Dictionary(grouping: pageviews, by: \.path) {
                #expect(pageRows[path]?.pageviews == Int64(views.count), "page views of \(path)")
                let viewers = Set(views.map { "\($0.occurredAt / Rollup.dayMS)|\($0.visitor)" })
                #expect(pageRows[path]?.visitors == Int64(viewers.count), "visitors of \(path)")
            }
            // Entry pages, sources and browsers: visits
            let entryRows = Dictionary(
                uniqueKeysWithValues: overview.breakdowns[.entry]!.map { ($0.value, $0.metrics) })
            for (path, group) in Dictionary(grouping: visits, by: { $0.pages[0] }) {
                #expect(entryRows[path]?.visits == Int64(group.count), "visits entering at \(path)")
            }
            let sourceRows = Dictionary(
                uniqueKeysWithValues: overview.breakdowns[.source]!.map { ($0.value, $0.metrics) })
            for (source, group) in Dictionary(grouping: visits, by: \.source) {
                #expect(sourceRows[source]?.visits == Int64(group.count), "visits from \(source)")
                #expect(sourceRows[source]?.bounces == Int64(group.filter { $0.pages.count == 1 }.count))
            }
            let browserRows = Dictionary(
                uniqueKeysWithValues: overview.breakdowns[.browser]!.map { ($0.value, $0.metrics) })
            for (browser, group) in Dictionary(grouping: visits, by: \.browser) {
                let people = Set(group.map { "\($0.day)|\($0.visitor)" })
                #expect(browserRows[browser]?.visitors == Int64(people.count), "visitors using \(browser)")
            }
            // Outbound links: clicks
            let linkRows = Dictionary(
                uniqueKeysWithValues: overview.breakdowns[.outbound]!.map { ($0.value, $0.metrics) })
            for (link, clicks) in Dictionary(grouping: events.filter { $0.kind == "outbound" }, by: { $0.link ?? "" }) {
                #expect(linkRows[link]?.events == Int64(clicks.count), "clicks on \(link)")
            }
            // The series: visitors per day
            for point in overview.series {
                let people = Set(visits.filter { $0.day == point.bucket }.map(\.visitor))
                #expect(point.metrics.visitors == Int64(people.count), "visitors on day \(point.bucket)")
            }

            // And with a source filter, only that source's visits count, pages included
            let google = try StatsRequest.parse(
                [
                    "period": "custom", "from": CivilDate.iso(Self.day), "to": CivilDate.iso(lastDay),
                    "filter": "source:Google",
                ], today: lastDay)
            let filtered = try await app.services.stats.overview(google, limit: 1000)
            let googleVisits = visits.filter { $0.source == "Google" }
            #expect(filtered.totals.visits == Int64(googleVisits.count))
            #expect(filtered.totals.pageviews == Int64(googleVisits.reduce(0) { $0 + $1.pages.count }))
            let googlePages = Dictionary(
                uniqueKeysWithValues: filtered.breakdowns[.page]!.map { ($0.value, $0.metrics) })
            for (path, count) in Dictionary(grouping: googleVisits.flatMap(\.pages), by: { $0 }).mapValues(\.count) {
                #expect(googlePages[path]?.pageviews == Int64(count), "views of \(path) from Google")
            }
            #expect(filtered.breakdowns[.entry] == nil)

            // And with a page filter, the visits that viewed the page and that page's views
            let blog = try StatsRequest.parse(
                [
                    "period": "custom", "from": CivilDate.iso(Self.day), "to": CivilDate.iso(lastDay),
                    "filter": "page:/blog",
                ], today: lastDay)
            let onBlog = try await app.services.stats.overview(blog, limit: 1000)
            let blogVisits = visits.filter { $0.pages.contains("/blog") }
            #expect(onBlog.totals.visits == Int64(blogVisits.count))
            #expect(onBlog.totals.pageviews == Int64(pageviews.filter { $0.path == "/blog" }.count))
            let blogSources = Dictionary(
                uniqueKeysWithValues: onBlog.breakdowns[.source]!.map { ($0.value, $0.metrics) })
            for (source, group) in Dictionary(grouping: blogVisits, by: \.source) {
                #expect(blogSources[source]?.visits == Int64(group.count), "visits from \(source) that viewed /blog")
            }

            // And a single day is drawn per hour: the hours' visits add up to the day's
            let single = try StatsRequest.parse(["period": "today"], today: lastDay)
            let today = try await app.services.stats.overview(single)
            #expect(today.series.count == 24)
            #expect(
                today.series.reduce(0) { $0 + $1.metrics.visits } == Int64(visits.filter { $0.day == lastDay }.count))
            #expect(today.totals.visits == Int64(visits.filter { $0.day == lastDay }.count))
        }
    }

    @Test func periodsAndCustomRangesAreParsedWithClearErrors() throws {
        let today = CivilDate.parse("2026-12-06")!
        #expect(CivilDate.iso(today) == "2026-12-06")
        let month = try StatsRequest.parse(["period": "month"], today: today)
        #expect(CivilDate.iso(month.range.from) == "2026-12-01")
        #expect(month.range.previous.length == 6)
        let thirty = try StatsRequest.parse([:], today: today)
        #expect(thirty.range.length == 30)
        #expect(thirty.range.previous.to == thirty.range.from - 1)
        #expect(throws: StatsQueryError.invalid(field: "from", message: "must be a date as yyyy-mm-dd")) {
            try StatsRequest.parse(["period": "custom", "from": "2026-02-30", "to": "2026-03-01"], today: today)
        }
        #expect(throws: StatsQueryError.invalid(field: "to", message: "must not be before the start date")) {
            try StatsRequest.parse(["period": "custom", "from": "2026-03-02", "to": "2026-03-01"], today: today)
        }
        #expect(throws: StatsQueryError.self) { try StatsRequest.parse(["period": "year"], today: today) }
        #expect(throws: StatsQueryError.self) { try StatsRequest.parse(["filter": "country:FR"], today: today) }
        #expect(CivilDate.parse("1969-12-31") == nil)
        #expect(CivilDate.parse("2024-02-29") != nil)
    }
}
