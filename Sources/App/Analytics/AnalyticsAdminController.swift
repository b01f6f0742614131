import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The staff console's analytics dashboard, its CSV export, and the staff member's API tokens.
struct AnalyticsAdminController: Sendable {
    let admin: AdminController
    let stats: StatsService
    let tokens: StaffTokens
    let cookies: CookieSettings
    /// The site's public address, for the script snippet.
    let baseURL: String

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/admin/analytics", use: dashboard)
        router.get("/admin/analytics/export.csv", use: export)
        router.get("/admin/tokens", use: tokensPage)
        router.post("/admin/tokens", use: createToken)
        router.post("/admin/tokens/:id/revoke", use: revokeToken)
    }

    // MARK: Dashboard

    /// The breakdown tables, in display order.
    static let tables: [(dimension: StatsDimension, title: String, heading: String)] = [
        (.page, "Top pages", "Page"),
        (.source, "Sources", "Source"),
        (.entry, "Entry pages", "Page"),
        (.referrer, "Referrers", "Referring site"),
        (.exit, "Exit pages", "Page"),
        (.campaign, "UTM campaigns", "Campaign"),
        (.browser, "Browsers", "Browser"),
        (.os, "Operating systems", "System"),
        (.device, "Devices", "Device"),
        (.country, "Countries", "Country"),
        (.outbound, "Outbound links", "Link"),
        (.event, "Custom events", "Event"),
        (.browserVersion, "Browser versions", "Browser"),
        (.osVersion, "System versions", "System"),
    ]

    @Sendable func dashboard(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .analytics)
        let query = Self.query(request)
        var problem: String?
        var parsed: StatsRequest
        do {
            parsed = try StatsRequest.parse(query, today: stats.today)
        } catch {
            problem = Self.message(for: error)
            var fallback = query
            fallback["period"] = "30d"
            fallback["filter"] = nil
            parsed = try StatsRequest.parse(fallback, today: stats.today)
        }
        let overview = try await stats.overview(parsed)
        let page = makePage(overview, query: query, error: problem)
        return admin.console(
            "admin/analytics", title: "Analytics", page: .analytics, member: member, request: request,
            context: context, content: page, status: problem == nil ? .ok : .badRequest)
    }

    /// Everything on the dashboard as one CSV: the totals, the series, then every breakdown (top 100 values).
    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try await admin.authorize(context, for: .analytics)
        let parsed: StatsRequest
        do {
            parsed = try StatsRequest.parse(Self.query(request), today: stats.today)
        } catch {
            throw HTTPError(.badRequest, message: Self.message(for: error))
        }
        let overview = try await stats.overview(parsed, limit: 100)
        var csv =
            "table,value,visitors,pageviews,visits,bounce_rate,visit_duration_seconds,time_on_page_seconds,events\r\n"
        func line(_ table: String, _ value: String, _ metrics: RollupMetrics) {
            let fields = [
                table, value, String(metrics.visitors), String(metrics.pageviews), String(metrics.visits),
                String(format: "%.3f", metrics.bounceRate), String(format: "%.1f", metrics.visitDurationSeconds),
                String(format: "%.1f", metrics.timeOnPageSeconds), String(metrics.events),
            ]
            csv += fields.map(Self.csvField).joined(separator: ",") + "\r\n"
        }
        line("totals", "", overview.totals)
        line("previous_totals", "", overview.previousTotals)
        let hourly = overview.granularity == "hour"
        for (point, json) in zip(overview.series, StatsAPIController.points(overview.series, hourly: hourly)) {
            line(hourly ? "hour" : "day", json.time, point.metrics)
        }
        for (dimension, _, _) in Self.tables {
            for row in overview.breakdowns[dimension] ?? [] { line(dimension.rawValue, row.value, row.metrics) }
        }
        let name = "analytics-\(CivilDate.iso(parsed.range.from))-\(CivilDate.iso(parsed.range.to)).csv"
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: csv)))
    }

    func makePage(_ overview: StatsOverview, query: [String: String], error: String?) -> AnalyticsDashboardPage {
        let request = overview.request
        let range = request.range
        let previous = range.previous
        let filterParameter = request.filter?.segment ?? ""
        func href(period: String, from: String? = nil, to: String? = nil, filter: String? = nil) -> String {
            var items = [URLQueryItem(name: "period", value: period)]
            if let from { items.append(.init(name: "from", value: from)) }
            if let to { items.append(.init(name: "to", value: to)) }
            let filter = filter ?? filterParameter
            if !filter.isEmpty { items.append(.init(name: "filter", value: filter)) }
            var components = URLComponents()
            components.path = AdminPage.analytics.path
            components.queryItems = items
            return components.string ?? AdminPage.analytics.path
        }
        let custom = request.period == .custom
        let here = { (filter: String) in
            href(
                period: request.period.rawValue, from: custom ? CivilDate.iso(range.from) : nil,
                to: custom ? CivilDate.iso(range.to) : nil, filter: filter)
        }
        let titles: [StatsRequest.Period: String] = [
            .today: "Today", .sevenDays: "Last 7 days", .thirtyDays: "Last 30 days", .month: "This month",
            .custom: "Custom range",
        ]
        let ranges = StatsRequest.Period.allCases.filter { $0 != .custom }.map {
            AnalyticsDashboardPage.RangeOption(
                label: titles[$0]!, href: href(period: $0.rawValue), isActive: $0 == request.period)
        }

        let totals = overview.totals
        let before = overview.previousTotals
        let hasPrevious = before.visits > 0 || before.pageviews > 0
        func metric(_ label: String, _ now: Double, _ then: Double, _ format: (Double) -> String)
            -> AnalyticsDashboardPage.Metric
        {
            guard hasPrevious else {
                return .init(label: label, value: format(now), change: nil, changeDirection: "flat", previous: nil)
            }
            let change = Self.change(now, then)
            return .init(
                label: label, value: format(now), change: change.text, changeDirection: change.direction,
                previous: format(then))
        }
        let metrics = [
            metric("Unique visitors", Double(totals.visitors), Double(before.visitors)) { Self.number(Int64($0)) },
            metric("Visits", Double(totals.visits), Double(before.visits)) { Self.number(Int64($0)) },
            metric("Page views", Double(totals.pageviews), Double(before.pageviews)) { Self.number(Int64($0)) },
            metric("Bounce rate", totals.bounceRate, before.bounceRate) { Self.percent($0) },
            metric("Visit duration", totals.visitDurationSeconds, before.visitDurationSeconds) { Self.duration($0) },
            metric("Time on page", totals.timeOnPageSeconds, before.timeOnPageSeconds) { Self.duration($0) },
        ]

        let hourly = overview.granularity == "hour"
        let points = overview.series.map { point in
            SVGChart.Point(
                label: hourly
                    ? String(format: "%02d:00", Int(point.bucket % 24)) : CivilDate.short(point.bucket, year: false),
                value: Double(point.metrics.visitors))
        }
        let chart = SVGChart.render(
            current: points, previous: overview.previousSeries.map { Double($0.metrics.visitors) },
            title: hourly ? "Unique visitors per hour" : "Unique visitors per day")

        let tables = Self.tables.map { dimension, title, heading -> AnalyticsDashboardPage.Table in
            guard dimension.isAvailable(under: request.filter?.kind) else {
                return .init(
                    id: dimension.rawValue, title: title, valueHeading: heading, primaryHeading: "",
                    secondaryHeading: "", rows: [], emptyText: "",
                    unavailable: "Not broken down by \(request.filter?.kind == .page ? "page" : "source"); "
                        + "remove the filter to see it.")
            }
            let rows = overview.breakdowns[dimension] ?? []
            let counts = dimension.countsEvents
            let top = rows.map { counts ? $0.metrics.events : $0.metrics.visitors }.max() ?? 0
            let filterKind: StatsFilter.Kind? =
                switch dimension {
                case .page, .entry, .exit: .page
                case .source: .source
                default: nil
                }
            return .init(
                id: dimension.rawValue, title: title, valueHeading: heading,
                primaryHeading: counts ? "Events" : "Visitors", secondaryHeading: Self.secondaryHeading(dimension),
                rows: rows.map { row in
                    let primary = counts ? row.metrics.events : row.metrics.visitors
                    return .init(
                        label: Self.label(row.value, dimension: dimension),
                        filterHref: filterKind.map { here(StatsFilter(kind: $0, value: row.value).segment) },
                        primary: Self.number(primary), secondary: Self.secondary(row.metrics, dimension: dimension),
                        share: top == 0 ? 0 : Int((Double(primary) / Double(top) * 20).rounded()) * 5)
                },
                emptyText: "Nothing recorded in this period.", unavailable: nil)
        }

        let exportItems = href(
            period: request.period.rawValue, from: custom ? CivilDate.iso(range.from) : nil,
            to: custom ? CivilDate.iso(range.to) : nil)
        return AnalyticsDashboardPage(
            periodTitle: titles[request.period]!,
            rangeText: range.isSingleDay
                ? CivilDate.short(range.from) + " (UTC)"
                : "\(CivilDate.short(range.from)) – \(CivilDate.short(range.to)) (UTC)",
            comparisonText: previous.isSingleDay
                ? "compared with \(CivilDate.short(previous.from))"
                : "compared with \(CivilDate.short(previous.from)) – \(CivilDate.short(previous.to))",
            ranges: ranges, customFrom: query["from"] ?? CivilDate.iso(range.from),
            customTo: query["to"] ?? CivilDate.iso(range.to), filterParameter: filterParameter,
            filter: request.filter.map {
                .init(
                    kind: $0.kind == .page ? "Page" : "Source", value: Self.label($0.value, dimension: .source),
                    clearHref: here(""))
            },
            error: error, metrics: metrics, chartSVG: chart,
            chartCaption: hourly ? "Unique visitors per hour" : "Unique visitors per day",
            realtimeVisitors: overview.realtimeVisitors, tables: tables,
            exportHref: exportItems.replacingOccurrences(
                of: AdminPage.analytics.path + "?", with: AdminPage.analytics.path + "/export.csv?"),
            isEmpty: !overview.hasData,
            snippet: "<script defer src=\"\(baseURL)/js/s.js\"></script>")
    }

    // MARK: Tokens

    struct TokensPage {
        struct Row {
            let id: String
            let name: String
            let createdAt: String
            let lastUsedAt: String
            let revokeHref: String
        }
        let tokens: [Row]
        var fields: [String: FieldView]
        var formError: String?
        /// The token just created, shown once.
        let created: String?
        let apiBase: String
    }

    @Sendable func tokensPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .tokens)
        return try await renderTokens(request, context, member: member, name: "", error: nil, created: nil)
    }

    @Sendable func createToken(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .tokens)
        let name = context.form.text("name")
        do {
            let token = try await tokens.create(staffID: member.id, name: name, requestID: context.requestID)
            return try await renderTokens(request, context, member: member, name: "", error: nil, created: token)
        } catch StaffTokenError.invalidName(let message) {
            return try await renderTokens(request, context, member: member, name: name, error: message, created: nil)
        }
    }

    @Sendable func revokeToken(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .tokens)
        let id = context.parameters.get("id") ?? ""
        guard try await tokens.revoke(id: id, staffID: member.id, requestID: context.requestID) else {
            throw HTTPError(.notFound)
        }
        return Response(status: .seeOther, headers: [.location: AdminPage.tokens.path])
    }

    private func renderTokens(
        _ request: Request, _ context: AppRequestContext, member: StaffMember, name: String, error: String?,
        created: String?
    ) async throws -> Response {
        let page = TokensPage(
            tokens: try await tokens.list(staffID: member.id).map {
                .init(
                    id: $0.id, name: $0.name, createdAt: AccountService.format($0.createdAt),
                    lastUsedAt: $0.lastUsedAt.map(AccountService.format) ?? "never",
                    revokeHref: "\(AdminPage.tokens.path)/\($0.id)/revoke")
            },
            fields: [
                "name": FieldView(
                    "name", label: "Name", value: name, error: error,
                    hint: "What the token is for, e.g. \"reporting\".",
                    maxlength: 80)
            ],
            formError: error == nil ? nil : "The token was not created.", created: created, apiBase: baseURL)
        return admin.console(
            "admin/tokens", title: "API tokens", page: .tokens, member: member, request: request, context: context,
            content: page, status: error == nil ? .ok : .badRequest)
    }

    // MARK: Formatting

    static func query(_ request: Request) -> [String: String] {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        return query
    }

    static func message(for error: any Error) -> String {
        guard let error = error as? StatsQueryError, case .invalid(let field, let message) = error else {
            return "The statistics could not be shown."
        }
        let names = ["from": "Start date", "to": "End date", "period": "Period", "filter": "Filter"]
        return "\(names[field] ?? field) \(message). Showing the last 30 days instead."
    }

    /// "12,345".
    static func number(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return (value < 0 ? "-" : "") + result
    }

    /// "41%".
    static func percent(_ fraction: Double) -> String { "\(Int((fraction * 100).rounded()))%" }

    /// "2m 05s", "45s", "1h 02m".
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m \(String(format: "%02d", total % 60))s" }
        return "\(total / 3600)h \(String(format: "%02d", total % 3600 / 60))m"
    }

    /// The change from `then` to `now`: "+12%", "−3%", "new" (from zero), and its direction.
    static func change(_ now: Double, _ then: Double) -> (text: String, direction: String) {
        if then == 0 { return now == 0 ? ("0%", "flat") : ("new", "up") }
        let percent = Int(((now - then) / then * 100).rounded())
        if percent == 0 { return ("0%", "flat") }
        return percent > 0 ? ("+\(percent)%", "up") : ("−\(-percent)%", "down")
    }

    static func label(_ value: String, dimension: StatsDimension) -> String {
        if dimension == .device, let first = value.first { return first.uppercased() + value.dropFirst() }
        guard value.isEmpty else { return value }
        switch dimension {
        case .source, .referrer: return "Direct / none"
        case .campaign: return "No campaign"
        case .country: return "Unknown"
        default: return "(not set)"
        }
    }

    static func secondaryHeading(_ dimension: StatsDimension) -> String {
        switch dimension {
        case .page: "Time on page"
        case .entry: "Bounce rate"
        case .exit: "Visits"
        case .outbound, .event: "Visitors"
        default: "Visits"
        }
    }

    static func secondary(_ metrics: RollupMetrics, dimension: StatsDimension) -> String {
        switch dimension {
        case .page: metrics.engagements == 0 ? "–" : duration(metrics.timeOnPageSeconds)
        case .entry: percent(metrics.bounceRate)
        case .outbound, .event: number(metrics.visitors)
        default: number(metrics.visits)
        }
    }

    /// A CSV field, quoted when needed; cells that a spreadsheet would run as a formula start with an apostrophe.
    static func csvField(_ value: String) -> String {
        var value = value
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
