import Logging
import ServiceLifecycle

/// Keeps the hourly and daily roll-ups up to date with the raw events.
///
/// Each run finds the days that received events since the last run (by event id, looking back a little for events
/// committed out of order), recomputes those days' roll-ups from their raw events, and records how far it read.
/// Recomputing whole days keeps every figure exact, visits and distinct visitors included, and makes a run safe
/// to repeat.
struct AnalyticsRollups: Sendable {
    let repository: SQLAnalyticsRepository

    /// One day rolled up.
    struct Progress: Sendable {
        let day: Int64
        let events: Int
        let rows: Int
        let done: Int
        let total: Int
    }

    /// Rolls up every day with new events. Returns the number of days rolled up.
    @discardableResult
    func run(progress: (Progress) -> Void = { _ in }) async throws -> Int {
        let highWater = try await repository.highWater()
        let (maxID, days) = try await repository.pendingDays(after: highWater)
        for (index, day) in days.enumerated() {
            try await rollUp(
                day: day,
                progress: { progress(.init(day: day, events: $0, rows: $1, done: index + 1, total: days.count)) })
        }
        if maxID > highWater { try await repository.setHighWater(maxID) }
        return days.count
    }

    /// Recomputes one day's roll-ups from its raw events.
    func rollUp(day: Int64, progress: (Int, Int) -> Void = { _, _ in }) async throws {
        let events = try await repository.events(day: day)
        guard !events.isEmpty else { return }
        let rows = Rollup.compute(day: day, events: events)
        try await repository.replaceRollups(day: day, rows: rows)
        progress(events.count, rows.count)
    }
}

/// Runs the roll-ups once a minute, so the dashboard is at most about a minute behind.
struct AnalyticsRollupService: Service {
    let rollups: AnalyticsRollups
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await rollups.run()
                } catch {
                    logger.error("could not roll up analytics events", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
