/// One raw event as the roll-ups read it.
struct RawEvent: Sendable, Equatable {
    var occurredAt: Int64
    var kind: String
    var path: String
    var source: String
    var referrerHost: String
    var utmCampaign: String
    var browser: String
    var browserVersion: String
    var os: String
    var osVersion: String
    var device: String
    var country: String
    var visitor: String
    var durationMS: Int64?
    var link: String?
    var name: String?
}

/// Summed figures of one roll-up row.
struct RollupMetrics: Sendable, Equatable {
    /// Distinct visitor hashes. The hash changes every day, so daily figures add up across days.
    var visitors: Int64 = 0
    var pageviews: Int64 = 0
    var visits: Int64 = 0
    /// Visits with a single page view.
    var bounces: Int64 = 0
    /// Sum of visit durations (first to last event of the visit).
    var visitMS: Int64 = 0
    /// Sum of engaged time reported by the script, and how many reports.
    var engagedMS: Int64 = 0
    var engagements: Int64 = 0
    /// Outbound clicks and custom events.
    var events: Int64 = 0

    static func + (lhs: Self, rhs: Self) -> Self {
        .init(
            visitors: lhs.visitors + rhs.visitors, pageviews: lhs.pageviews + rhs.pageviews,
            visits: lhs.visits + rhs.visits, bounces: lhs.bounces + rhs.bounces, visitMS: lhs.visitMS + rhs.visitMS,
            engagedMS: lhs.engagedMS + rhs.engagedMS, engagements: lhs.engagements + rhs.engagements,
            events: lhs.events + rhs.events)
    }
}

/// What a roll-up row counts: per hour (`h`) or day (`d`), for a segment of traffic, by one dimension's value.
struct RollupKey: Sendable, Hashable {
    var period: String
    var segment: String
    var dimension: String
    var bucket: Int64
    var value: String
}

/// A breakdown of the statistics.
enum StatsDimension: String, Sendable, CaseIterable {
    case page
    case entry
    case exit
    case source
    case referrer
    case campaign
    case outbound
    case event
    case browser
    case browserVersion = "browser_version"
    case os
    case osVersion = "os_version"
    case device
    case country

    /// Dimensions rolled up inside a page or source segment (the rest only exist for all traffic).
    static let underSource: [StatsDimension] = [.page, .campaign, .browser, .os, .device, .country]
    static let underPage: [StatsDimension] = [.source, .campaign, .browser, .os, .device, .country]

    /// Whether the dimension is rolled up for a filter of this kind (nil: no filter).
    func isAvailable(under filter: StatsFilter.Kind?) -> Bool {
        switch filter {
        case nil: true
        case .page: Self.underPage.contains(self)
        case .source: Self.underSource.contains(self)
        }
    }

    /// Whether rows count events (outbound clicks, custom events) rather than visitors.
    var countsEvents: Bool { self == .outbound || self == .event }
}

/// A filter of the statistics: visits that viewed a page, or visits that came from a source.
struct StatsFilter: Sendable, Equatable {
    enum Kind: String, Sendable { case page, source }
    let kind: Kind
    let value: String

    /// The roll-ups' segment name.
    var segment: String { "\(kind.rawValue):\(value)" }

    /// Parses "page:/pricing" or "source:Google".
    init?(parameter: String) {
        guard let colon = parameter.firstIndex(of: ":"), let kind = Kind(rawValue: String(parameter[..<colon])) else {
            return nil
        }
        let value = String(parameter[parameter.index(after: colon)...])
        guard value.utf8.count <= 1024 else { return nil }
        self.kind = kind
        self.value = value
    }

    init(kind: Kind, value: String) {
        self.kind = kind
        self.value = value
    }
}

/// Computes the roll-up rows of one UTC day from all of that day's raw events.
///
/// Visits are the visitor's events with no gap of more than 30 minutes between page views; the visitor hash changes
/// at midnight (UTC), so a visit never spans two days. A visit takes its source, campaign, browser, system, device
/// and country from its first page view.
enum Rollup {
    static let visitGapMS: Int64 = 30 * 60 * 1000
    static let dayMS: Int64 = 86_400_000
    static let hourMS: Int64 = 3_600_000

    /// A visit under construction.
    private struct Visit {
        var visitor: Int
        var start: Int64
        var last: Int64
        var entry: Int  // index of the first page view
        var exit: Int  // index of the last page view
        var pageviews: [Int] = []
        var others: [Int] = []
    }

    /// The accumulated figures of one key, with the visitors seen so far.
    private struct Accumulator {
        var metrics = RollupMetrics()
        var visitors = Set<Int>()
    }

    /// Rows for `day` (days since 1970-01-01 UTC): daily rows for all traffic and for every page and source segment,
    /// and hourly rows for all traffic (every dimension) and for segments (totals only).
    static func compute(day: Int64, events unsorted: [RawEvent]) -> [(key: RollupKey, metrics: RollupMetrics)] {
        let events = unsorted.sorted { $0.occurredAt < $1.occurredAt }
        var visitorIndex: [String: Int] = [:]
        var visitorEvents: [[Int]] = []
        for (index, event) in events.enumerated() {
            let visitor =
                visitorIndex[event.visitor]
                ?? {
                    visitorIndex[event.visitor] = visitorEvents.count
                    visitorEvents.append([])
                    return visitorEvents.count - 1
                }()
            visitorEvents[visitor].append(index)
        }

        // Split every visitor's events into visits. Events before the visitor's first page view of the day (an
        // engagement report for a page opened before midnight) count as events but start no visit.
        var visits: [Visit] = []
        var orphans: [(visitor: Int, event: Int)] = []
        for (visitor, indexes) in visitorEvents.enumerated() {
            var current: Visit?
            for index in indexes {
                let event = events[index]
                if event.kind == "pageview" {
                    if var visit = current, event.occurredAt - visit.last <= visitGapMS {
                        visit.pageviews.append(index)
                        visit.exit = index
                        visit.last = event.occurredAt
                        current = visit
                    } else {
                        if let visit = current { visits.append(visit) }
                        current = Visit(
                            visitor: visitor, start: event.occurredAt, last: event.occurredAt, entry: index,
                            exit: index, pageviews: [index])
                    }
                } else if var visit = current {
                    visit.others.append(index)
                    visit.last = max(visit.last, event.occurredAt)
                    current = visit
                } else {
                    orphans.append((visitor, index))
                }
            }
            if let visit = current { visits.append(visit) }
        }

        var rows: [RollupKey: Accumulator] = [:]
        func add(
            _ segment: String, _ dimension: String, _ value: String, bucket hour: Int64?, visitor: Int?,
            _ metrics: RollupMetrics
        ) {
            let key = RollupKey(
                period: hour == nil ? "d" : "h", segment: segment, dimension: dimension, bucket: hour ?? day,
                value: value)
            rows[key, default: Accumulator()].metrics = rows[key, default: Accumulator()].metrics + metrics
            if let visitor { rows[key]!.visitors.insert(visitor) }
        }

        for visit in visits {
            let entry = events[visit.entry]
            let hour = visit.start / hourMS
            let bounce: Int64 = visit.pageviews.count == 1 ? 1 : 0
            var engagedMS: Int64 = 0
            var engagements: Int64 = 0
            var customEvents: Int64 = 0
            for index in visit.others {
                let event = events[index]
                if event.kind == "engagement" {
                    engagedMS += event.durationMS ?? 0
                    engagements += 1
                } else if event.kind == "event" {
                    customEvents += 1
                }
            }
            let visitMetrics = RollupMetrics(
                pageviews: Int64(visit.pageviews.count), visits: 1, bounces: bounce, visitMS: visit.last - visit.start,
                engagedMS: engagedMS, engagements: engagements, events: customEvents)
            let attributes: [(StatsDimension, String)] = [
                (.source, entry.source), (.referrer, entry.referrerHost), (.campaign, entry.utmCampaign),
                (.browser, entry.browser), (.browserVersion, Self.joined(entry.browser, entry.browserVersion)),
                (.os, entry.os), (.osVersion, Self.joined(entry.os, entry.osVersion)), (.device, entry.device),
                (.country, entry.country),
            ]
            // Per page: views of it, engaged time on it, and the visit counted once.
            var pages: [String: RollupMetrics] = [:]
            for index in visit.pageviews {
                let path = events[index].path
                if pages[path] == nil {
                    pages[path] = RollupMetrics(visits: 1, bounces: bounce, visitMS: visit.last - visit.start)
                }
                pages[path]!.pageviews += 1
            }
            for index in visit.others where events[index].kind == "engagement" {
                let event = events[index]
                if pages[event.path] == nil { pages[event.path] = RollupMetrics() }
                pages[event.path]!.engagedMS += event.durationMS ?? 0
                pages[event.path]!.engagements += 1
            }

            // All traffic, daily and hourly.
            for bucket in [nil, hour] {
                add("", "", "", bucket: bucket, visitor: visit.visitor, visitMetrics)
                for (dimension, value) in attributes {
                    add("", dimension.rawValue, value, bucket: bucket, visitor: visit.visitor, visitMetrics)
                }
                add("", "entry", entry.path, bucket: bucket, visitor: visit.visitor, visitMetrics)
                add("", "exit", events[visit.exit].path, bucket: bucket, visitor: visit.visitor, visitMetrics)
                for (path, metrics) in pages {
                    add("", "page", path, bucket: bucket, visitor: visit.visitor, metrics)
                }
            }

            // The visit's source segment: everything of the visit.
            let sourceSegment = StatsFilter(kind: .source, value: entry.source).segment
            for bucket in [nil, hour] {
                add(sourceSegment, "", "", bucket: bucket, visitor: visit.visitor, visitMetrics)
            }
            for (dimension, value) in attributes where StatsDimension.underSource.contains(dimension) {
                add(sourceSegment, dimension.rawValue, value, bucket: nil, visitor: visit.visitor, visitMetrics)
            }
            for (path, metrics) in pages {
                add(sourceSegment, "page", path, bucket: nil, visitor: visit.visitor, metrics)
            }

            // Each viewed page's segment: the visit, but only that page's views and engaged time.
            for (path, metrics) in pages where metrics.visits == 1 {
                let pageSegment = StatsFilter(kind: .page, value: path).segment
                for bucket in [nil, hour] {
                    add(pageSegment, "", "", bucket: bucket, visitor: visit.visitor, metrics)
                }
                for (dimension, value) in attributes where StatsDimension.underPage.contains(dimension) {
                    add(pageSegment, dimension.rawValue, value, bucket: nil, visitor: visit.visitor, metrics)
                }
            }
        }

        // Engaged time reported before the visitor's first page view of the day (a page opened before midnight)
        // still counts as time on that page, without making a visit or a visitor.
        for (_, index) in orphans where events[index].kind == "engagement" {
            let event = events[index]
            let metrics = RollupMetrics(engagedMS: event.durationMS ?? 0, engagements: 1)
            for bucket in [nil, event.occurredAt / hourMS] {
                add("", "", "", bucket: bucket, visitor: nil, metrics)
                add("", "page", event.path, bucket: bucket, visitor: nil, metrics)
            }
        }

        // Outbound clicks and custom events, whether or not they belong to a visit.
        var attributed = orphans
        for visit in visits {
            for index in visit.others { attributed.append((visit.visitor, index)) }
        }
        for (visitor, index) in attributed {
            let event = events[index]
            let dimension: StatsDimension
            let value: String
            switch event.kind {
            case "outbound":
                dimension = .outbound
                value = event.link ?? ""
            case "event":
                dimension = .event
                value = event.name ?? ""
            default:
                continue
            }
            let metrics = RollupMetrics(events: 1)
            for bucket in [nil, event.occurredAt / hourMS] {
                add("", dimension.rawValue, value, bucket: bucket, visitor: visitor, metrics)
            }
        }

        return rows.map { key, accumulator in
            var metrics = accumulator.metrics
            metrics.visitors = Int64(accumulator.visitors.count)
            return (key, metrics)
        }
    }

    /// "Firefox 128"; just the name when the version is unknown.
    static func joined(_ name: String, _ version: String) -> String {
        version.isEmpty ? name : "\(name) \(version)"
    }
}
