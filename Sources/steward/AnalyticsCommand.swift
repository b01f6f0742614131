import App
import ArgumentParser
import Foundation

/// `steward analytics`: the analytics roll-ups from the command line.
struct AnalyticsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics", abstract: "Maintain the visitor statistics.", subcommands: [Rollup.self])

    /// `steward analytics rollup`: rolls up every day with new events now, instead of waiting for the server.
    struct Rollup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring the hourly and daily roll-ups up to date with the raw events.",
            discussion: """
                The server does this once a minute. Run it after loading events in bulk (for example with \
                scripts/bench/analytics-generate.py); it prints one line per day.
                """)

        @OptionGroup var common: CommonOptions

        func run() async throws {
            let configuration = try await common.configuration()
            let started = ContinuousClock.now
            let days = try await withServices(configuration, logger: makeLogger()) { services in
                try await services.rollUpAnalytics { day, events, rows, done, total in
                    print("[\(done)/\(total)] \(day): \(events) events, \(rows) roll-up rows")
                }
            }
            let elapsed = ContinuousClock.now - started
            print(days == 0 ? "Roll-ups are up to date." : "Rolled up \(days) day(s) in \(elapsed).")
        }
    }
}
