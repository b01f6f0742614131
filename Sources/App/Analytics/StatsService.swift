/// Whole UTC days `from...to` (days since 1970-01-01).
struct StatsRange: Sendable, Equatable {
    let from: Int64
    let to: Int64

    var length: Int64 { to - from + 1 }
    /// The same number of days just before.
    var previous: StatsRange { StatsRange(from: from - length, to: from - 1) }
    /// One day: the chart shows hours.
    var isSingleDay: Bool { from == to }
}

/// A day number ⇄ its civil date (proleptic Gregorian, UTC).
enum CivilDate {
    /// 2026-12-05 for a day number.
    static func components(of day: Int64) -> (year: Int64, month: Int64, day: Int64) {
        // Howard Hinnant's days-to-civil algorithm.
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// The day number of a civil date.
    static func day(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// "2026-12-05".
    static func iso(_ day: Int64) -> String {
        let (y, m, d) = components(of: day)
        return "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }

    /// Parses "2026-12-05"; nil unless it is a real date between 1970 and 9999.
    static func parse(_ text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int64(parts[0]), let m = Int64(parts[1]), let d = Int64(parts[2]), (1970...9999).contains(y),
            (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        let day = day(year: y, month: m, day: d)
        return components(of: day) == (y, m, d) ? day : nil
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// "5 Dec 2026" (or "5 Dec" without the year).
    static func short(_ day: Int64, year: Bool = true) -> String {
        let (y, m, d) = components(of: day)
        return "\(d) \(monthNames[Int(m) - 1])" + (year ? " \(y)" : "")
    }
}

/// What the statistics were asked for: a range of days, an optional filter, and the comparison.
struct StatsRequest: Sendable, Equatable {
    enum Period: String, Sendable, CaseIterable {
        case today
        case sevenDays = "7d"
        case thirtyDays = "30d"
        case month
        case custom
    }

    let period: Period
    let range: StatsRange
    let filter: StatsFilter?

    /// The longest custom range, in days.
    static let maxDays: Int64 = 731

    /// Parses `period` (today, 7d, 30d, month, custom — default 30d), `from` and `to` (yyyy-mm-dd, for custom) and
    /// `filter` ("page:/path" or "source:Name").
    static func parse(_ query: [String: String], today: Int64) throws(StatsQueryError) -> StatsRequest {
        let periodText = query["period"] ?? "30d"
        guard let period = Period(rawValue: periodText) else {
            throw .invalid(
                field: "period", message: "must be today, 7d, 30d, month or custom, not \"\(periodText.prefix(40))\"")
        }
        var filter: StatsFilter?
        if let text = query["filter"], !text.isEmpty {
            guard let parsed = StatsFilter(parameter: text) else {
                throw .invalid(field: "filter", message: "must be page:/path or source:name")
            }
            filter = parsed
        }
        let range: StatsRange
        switch period {
        case .today: range = StatsRange(from: today, to: today)
        case .sevenDays: range = StatsRange(from: today - 6, to: today)
        case .thirtyDays: range = StatsRange(from: today - 29, to: today)
        case .month:
            let (y, m, _) = CivilDate.components(of: today)
            range = StatsRange(from: CivilDate.day(year: y, month: m, day: 1), to: today)
        case .custom:
            guard let fromText = query["from"], !fromText.isEmpty else {
                throw .invalid(field: "from", message: "is required for a custom range (yyyy-mm-dd)")
            }
            guard let from = CivilDate.parse(fromText) else {
                throw .invalid(field: "from", message: "must be a date as yyyy-mm-dd")
            }
            guard let toText = query["to"], !toText.isEmpty else {
                throw .invalid(field: "to", message: "is required for a custom range (yyyy-mm-dd)")
            }
            guard let to = CivilDate.parse(toText) else {
                throw .invalid(field: "to", message: "must be a date as yyyy-mm-dd")
            }
            guard to >= from else { throw .invalid(field: "to", message: "must not be before the start date") }
            guard to - from + 1 <= maxDays else {
                throw .invalid(field: "to", message: "the range may cover at most \(maxDays) days")
            }
            range = StatsRange(from: from, to: to)
        }
        return StatsRequest(period: period, range: range, filter: filter)
    }
}

/// A bad statistics query: which parameter, and what is wrong with it.
enum StatsQueryError: Error, Equatable, CustomStringConvertible {
    case invalid(field: String, message: String)

    var description: String {
        switch self {
        case .invalid(let field, let message): "\(field): \(message)"
        }
    }
}

/// Everything the dashboard shows for a request.
struct StatsOverview: Sendable {
    /// One point of the chart.
    struct Point: Sendable {
        /// A day number, or an hour number for a single-day range.
        let bucket: Int64
        let metrics: RollupMetrics
    }

    let request: StatsRequest
    let totals: RollupMetrics
    let previousTotals: RollupMetrics
    /// "day" or "hour".
    let granularity: String
    let series: [Point]
    let previousSeries: [Point]
    /// The dimensions asked for and available with the filter, each with its top values.
    let breakdowns: [StatsDimension: [(value: String, metrics: RollupMetrics)]]
    let realtimeVisitors: Int
    let hasData: Bool
}

/// Answers statistics queries from the roll-ups.
struct StatsService: Sendable {
    let repository: SQLAnalyticsRepository
    let clock: any WallClock

    /// Today's day number (UTC).
    var today: Int64 { clock.milliseconds / Rollup.dayMS }

    /// The headline figures, the series, its comparison, and the top `limit` values of `dimensions`.
    func overview(
        _ request: StatsRequest, dimensions: [StatsDimension] = StatsDimension.allCases, limit: Int = 10
    ) async throws -> StatsOverview {
        let segment = request.filter?.segment ?? ""
        let range = request.range
        let previous = range.previous
        async let totals = repository.totals(segment: segment, from: range.from, to: range.to)
        async let previousTotals = repository.totals(segment: segment, from: previous.from, to: previous.to)
        async let series = self.series(segment: segment, range: range)
        async let previousSeries = self.series(segment: segment, range: previous)
        var breakdowns: [StatsDimension: [(value: String, metrics: RollupMetrics)]] = [:]
        for dimension in dimensions where dimension.isAvailable(under: request.filter?.kind) {
            breakdowns[dimension] = try await repository.breakdown(
                segment: segment, dimension: dimension, from: range.from, to: range.to, limit: limit)
        }
        let now = clock.milliseconds
        return StatsOverview(
            request: request, totals: try await totals, previousTotals: try await previousTotals,
            granularity: range.isSingleDay ? "hour" : "day", series: try await series,
            previousSeries: try await previousSeries, breakdowns: breakdowns,
            realtimeVisitors: try await repository.visitors(since: now - 5 * 60_000),
            hasData: try await repository.hasData())
    }

    /// Top values of one dimension.
    func breakdown(_ request: StatsRequest, dimension: StatsDimension, limit: Int) async throws
        -> [(value: String, metrics: RollupMetrics)]
    {
        guard dimension.isAvailable(under: request.filter?.kind) else { return [] }
        return try await repository.breakdown(
            segment: request.filter?.segment ?? "", dimension: dimension, from: request.range.from,
            to: request.range.to, limit: limit)
    }

    /// Visitors seen in the last five minutes.
    func realtimeVisitors() async throws -> Int {
        try await repository.visitors(since: clock.milliseconds - 5 * 60_000)
    }

    /// One point per day, or per hour for a single day, zeros where nothing happened.
    func series(segment: String, range: StatsRange) async throws -> [StatsOverview.Point] {
        if range.isSingleDay {
            let first = range.from * 24
            let values = try await repository.series(period: "h", segment: segment, from: first, to: first + 23)
            return (first...(first + 23)).map { .init(bucket: $0, metrics: values[$0] ?? RollupMetrics()) }
        }
        let values = try await repository.series(period: "d", segment: segment, from: range.from, to: range.to)
        return (range.from...range.to).map { .init(bucket: $0, metrics: values[$0] ?? RollupMetrics()) }
    }
}

extension RollupMetrics {
    /// Share of visits with one page view, 0…1 (0 without visits).
    var bounceRate: Double { visits == 0 ? 0 : Double(bounces) / Double(visits) }
    /// Mean visit duration in seconds.
    var visitDurationSeconds: Double { visits == 0 ? 0 : Double(visitMS) / Double(visits) / 1000 }
    /// Mean engaged time per page view report, in seconds.
    var timeOnPageSeconds: Double { engagements == 0 ? 0 : Double(engagedMS) / Double(engagements) / 1000 }
}
