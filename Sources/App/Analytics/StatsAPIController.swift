import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The JSON statistics API under `/api/stats`, for staff API tokens (`Authorization: Bearer stw_…`), described by
/// `/api/openapi.yaml`. Every answer is computed from the roll-ups, like the dashboard.
struct StatsAPIController: Sendable {
    let stats: StatsService
    let tokens: StaffTokens
    let staff: StaffService
    /// The OpenAPI description, read once at start-up.
    let openAPI: String

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/api/stats/overview", use: overview)
        router.get("/api/stats/timeseries", use: timeseries)
        router.get("/api/stats/breakdown", use: breakdown)
        router.get("/api/stats/realtime", use: realtime)
        router.get("/api/openapi.yaml", use: description)
    }

    // MARK: Responses

    /// Totals with the derived rates, as the API shows them.
    struct Totals: Encodable {
        let visitors: Int64
        let pageviews: Int64
        let visits: Int64
        let bounceRate: Double
        let visitDurationSeconds: Double
        let timeOnPageSeconds: Double
        let events: Int64

        init(_ metrics: RollupMetrics) {
            visitors = metrics.visitors
            pageviews = metrics.pageviews
            visits = metrics.visits
            bounceRate = (metrics.bounceRate * 1000).rounded() / 1000
            visitDurationSeconds = (metrics.visitDurationSeconds * 10).rounded() / 10
            timeOnPageSeconds = (metrics.timeOnPageSeconds * 10).rounded() / 10
            events = metrics.events
        }

        enum CodingKeys: String, CodingKey {
            case visitors, pageviews, visits, events
            case bounceRate = "bounce_rate"
            case visitDurationSeconds = "visit_duration_seconds"
            case timeOnPageSeconds = "time_on_page_seconds"
        }
    }

    struct Range: Encodable {
        let from: String
        let to: String
    }

    struct Point: Encodable {
        /// yyyy-mm-dd, or yyyy-mm-ddThh:00Z for hours.
        let time: String
        let visitors: Int64
        let pageviews: Int64
        let visits: Int64
    }

    /// One value of a breakdown with its figures.
    struct Row: Encodable {
        let value: String
        let visitors: Int64
        let pageviews: Int64
        let visits: Int64
        let bounceRate: Double
        let visitDurationSeconds: Double
        let timeOnPageSeconds: Double
        let events: Int64

        init(value: String, metrics: RollupMetrics) {
            let totals = Totals(metrics)
            self.value = value
            visitors = totals.visitors
            pageviews = totals.pageviews
            visits = totals.visits
            bounceRate = totals.bounceRate
            visitDurationSeconds = totals.visitDurationSeconds
            timeOnPageSeconds = totals.timeOnPageSeconds
            events = totals.events
        }

        enum CodingKeys: String, CodingKey {
            case value, visitors, pageviews, visits, events
            case bounceRate = "bounce_rate"
            case visitDurationSeconds = "visit_duration_seconds"
            case timeOnPageSeconds = "time_on_page_seconds"
        }
    }

    struct Timeseries: Encodable {
        let granularity: String
        let series: [Point]
    }

    struct Breakdown: Encodable {
        let dimension: String
        let results: [Row]
    }

    struct Overview: Encodable {
        let period: String
        let range: Range
        let previousRange: Range
        let filter: String?
        let totals: Totals
        let previousTotals: Totals
        let granularity: String
        let series: [Point]
        let previousSeries: [Point]
        let breakdowns: [String: [Row]]
        let realtimeVisitors: Int

        enum CodingKeys: String, CodingKey {
            case period, range, filter, totals, granularity, series, breakdowns
            case previousRange = "previous_range"
            case previousTotals = "previous_totals"
            case previousSeries = "previous_series"
            case realtimeVisitors = "realtime_visitors"
        }
    }

    // MARK: Routes

    @Sendable func overview(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await answer(request, context) { query in
            let result = try await stats.overview(
                query, limit: Self.limit(request.uri.queryParameters["limit"].map(String.init)) ?? 10)
            return Self.overviewJSON(result)
        }
    }

    @Sendable func timeseries(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await answer(request, context) { query in
            let points = try await stats.series(segment: query.filter?.segment ?? "", range: query.range)
            return Timeseries(
                granularity: query.range.isSingleDay ? "hour" : "day",
                series: Self.points(points, hourly: query.range.isSingleDay))
        }
    }

    @Sendable func breakdown(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await answer(request, context) { query in
            let text = request.uri.queryParameters["dimension"].map(String.init) ?? ""
            guard let dimension = StatsDimension(rawValue: text) else {
                throw StatsQueryError.invalid(
                    field: "dimension",
                    message: "must be one of " + StatsDimension.allCases.map(\.rawValue).joined(separator: ", "))
            }
            guard dimension.isAvailable(under: query.filter?.kind) else {
                throw StatsQueryError.invalid(
                    field: "dimension",
                    message: "\(dimension.rawValue) is not available with a \(query.filter!.kind) filter")
            }
            let limitText = request.uri.queryParameters["limit"].map(String.init)
            guard let limit = Self.limit(limitText) ?? (limitText == nil ? 100 : nil) else {
                throw StatsQueryError.invalid(field: "limit", message: "must be a whole number from 1 to 1000")
            }
            let rows = try await stats.breakdown(query, dimension: dimension, limit: limit)
            return Breakdown(
                dimension: dimension.rawValue, results: rows.map { Row(value: $0.value, metrics: $0.metrics) })
        }
    }

    @Sendable func realtime(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let failure = try await authorize(request) else {
            return Self.json(["visitors_last_5_minutes": try await stats.realtimeVisitors()], status: .ok)
        }
        return failure
    }

    @Sendable func description(_ request: Request, context: AppRequestContext) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/yaml; charset=utf-8", .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: openAPI)))
    }

    // MARK: Plumbing

    /// Checks the token, parses the query, runs `body` and encodes its value; errors become JSON answers.
    private func answer(
        _ request: Request, _ context: AppRequestContext,
        _ body: (StatsRequest) async throws -> any Encodable
    ) async throws -> Response {
        if let failure = try await authorize(request) { return failure }
        do {
            let parsed = try StatsRequest.parse(AnalyticsAdminController.query(request), today: stats.today)
            return Self.json(try await body(parsed), status: .ok)
        } catch let error as StatsQueryError {
            guard case .invalid(let field, let message) = error else { throw error }
            return Self.error(.badRequest, message: "\(field): \(message)", field: field)
        }
    }

    /// nil when the bearer token belongs to a staff member who may see the statistics; else the 401 or 403 answer.
    private func authorize(_ request: Request) async throws -> Response? {
        let header = request.headers[.authorization] ?? ""
        guard header.hasPrefix("Bearer "), let staffID = try await tokens.staffID(for: String(header.dropFirst(7)))
        else {
            var response = Self.error(
                .unauthorized, message: "a valid staff API token is required (Authorization: Bearer stw_…)")
            response.headers[.wwwAuthenticate] = "Bearer realm=\"steward\""
            return response
        }
        guard let member = try await staff.member(id: staffID), AdminPage.analytics.roles.contains(member.role) else {
            return Self.error(.forbidden, message: "this token's staff member may not see the statistics")
        }
        return nil
    }

    private static func limit(_ text: String?) -> Int? {
        guard let text, let value = Int(text), (1...1000).contains(value) else { return nil }
        return value
    }

    static func overviewJSON(_ overview: StatsOverview) -> Overview {
        let range = overview.request.range
        let previous = range.previous
        var breakdowns: [String: [Row]] = [:]
        for (dimension, rows) in overview.breakdowns {
            breakdowns[dimension.rawValue] = rows.map { Row(value: $0.value, metrics: $0.metrics) }
        }
        return Overview(
            period: overview.request.period.rawValue,
            range: Range(from: CivilDate.iso(range.from), to: CivilDate.iso(range.to)),
            previousRange: Range(from: CivilDate.iso(previous.from), to: CivilDate.iso(previous.to)),
            filter: overview.request.filter?.segment, totals: Totals(overview.totals),
            previousTotals: Totals(overview.previousTotals), granularity: overview.granularity,
            series: points(overview.series, hourly: range.isSingleDay),
            previousSeries: points(overview.previousSeries, hourly: range.isSingleDay), breakdowns: breakdowns,
            realtimeVisitors: overview.realtimeVisitors)
    }

    static func points(_ points: [StatsOverview.Point], hourly: Bool) -> [Point] {
        points.map { point in
            Point(
                time: hourly
                    ? CivilDate.iso(point.bucket / 24) + "T" + String(format: "%02d", Int(point.bucket % 24)) + ":00Z"
                    : CivilDate.iso(point.bucket),
                visitors: point.metrics.visitors, pageviews: point.metrics.pageviews, visits: point.metrics.visits)
        }
    }

    static func json(_ value: any Encodable, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, message: String, field: String? = nil) -> Response {
        var body: [String: String] = ["message": message]
        if let field { body["field"] = field }
        return json(["error": body], status: status)
    }
}
