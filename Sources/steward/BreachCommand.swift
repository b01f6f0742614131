import App
import ArgumentParser
import Foundation

/// `steward breach report`: what to tell the supervisory authority and the people after a personal data breach.
struct BreachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breach", abstract: "Prepare the notifications of a personal data breach.",
        subcommands: [Report.self])

    /// `steward breach report --since --until [--discovered] [--contacts] [--output FILE]`.
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the people and data categories held in a time window, the 72-hour deadline and drafts.",
            discussion: """
                Dates are yyyy-mm-dd (UTC; --until is inclusive) or RFC 3339 times. The report is Markdown, printed \
                or written to --output. Making it is recorded in the audit log.
                """)

        @Option(name: .long, help: "Start of the window (yyyy-mm-dd or RFC 3339).")
        var since: String

        @Option(name: .long, help: "End of the window, inclusive (yyyy-mm-dd or RFC 3339).")
        var until: String

        @Option(name: .long, help: "When the breach was discovered (default: now); the deadline is 72 hours later.")
        var discovered: String?

        @Flag(name: .long, help: "Include the people's e-mail addresses (to notify them); otherwise pseudonymous ids.")
        var contacts = false

        @Option(name: .long, help: "Write the report to this file instead of printing it.")
        var output: String?

        @OptionGroup var common: CommonOptions

        /// Milliseconds for a date or time; a date's end when `end` is true.
        static func parse(_ text: String, end: Bool) -> Int64? {
            let formatter = ISO8601DateFormatter()
            if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
            formatter.formatOptions = [.withFullDate]
            guard text.count == 10, let date = formatter.date(from: text) else { return nil }
            return Int64(date.timeIntervalSince1970 * 1000) + (end ? 86_400_000 : 0)
        }

        func validate() throws {
            var problems: [String] = []
            if Self.parse(since, end: false) == nil {
                problems.append("--since \(since): use yyyy-mm-dd or an RFC 3339 time")
            }
            if Self.parse(until, end: true) == nil {
                problems.append("--until \(until): use yyyy-mm-dd or an RFC 3339 time")
            }
            if let discovered, Self.parse(discovered, end: false) == nil {
                problems.append("--discovered \(discovered): use yyyy-mm-dd or an RFC 3339 time")
            }
            if let start = Self.parse(since, end: false), let end = Self.parse(until, end: true), end <= start {
                problems.append("--until must not be before --since")
            }
            guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "\n")) }
        }

        func run() async throws {
            let configuration = try await common.configuration()
            let report = try await withServices(configuration, logger: makeLogger()) { services in
                try await services.breachReport(
                    since: Self.parse(since, end: false)!, until: Self.parse(until, end: true)!,
                    discoveredAt: discovered.flatMap { Self.parse($0, end: false) }, withContacts: contacts)
            }
            if let output {
                try report.write(toFile: output, atomically: true, encoding: .utf8)
                print("Wrote the breach report to \(output).")
            } else {
                print(report)
            }
        }
    }
}
