import App
import ArgumentParser
import Foundation

/// `steward retention`: the policy's retention rules from the command line.
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention", abstract: "Apply the policy's retention rules, or see what they will delete when.",
        subcommands: [Run.self, Plan.self])

    /// `steward retention run [--dry-run]`.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Delete or anonymise everything the policy no longer allows keeping (the server does this daily).",
            discussion: """
                Works in batches and can be stopped at any time: the next run finishes the work. Every run is written \
                to the audit log with its counts.
                """)

        @Flag(name: .long, help: "Only count what would be deleted; change nothing.")
        var dryRun = false

        @OptionGroup var common: CommonOptions

        func run() async throws {
            let configuration = try await common.configuration()
            var total = 0
            try await withServices(configuration, logger: makeLogger()) { services in
                try await services.runRetention(dryRun: dryRun) { task, description, count in
                    total += count
                    print("\(String(count).padding(toLength: 8, withPad: " ", startingAt: 0)) \(description) [\(task)]")
                }
            }
            print(dryRun ? "Dry run: \(total) item(s) would be removed; nothing changed." : "Removed \(total) item(s).")
        }
    }

    /// `steward retention plan [--days N]`.
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List what the retention rules will delete or anonymise on which date, per category.")

        @Option(name: .long, help: "How many days ahead to look (default 400).")
        var days = 400

        @OptionGroup var common: CommonOptions

        func validate() throws {
            guard (1...3650).contains(days) else { throw ValidationError("--days must be from 1 to 3650.") }
        }

        func run() async throws {
            let configuration = try await common.configuration()
            let lines = try await withServices(configuration, logger: makeLogger()) { services in
                try await services.retentionPlan(horizonDays: days)
            }
            guard !lines.isEmpty else {
                print("Nothing is due for deletion in the next \(days) days.")
                return
            }
            print("date        category          count  what")
            for line in lines {
                let category = line.category.isEmpty ? "-" : line.category
                print(
                    "\(line.day)  \(category.padding(toLength: 16, withPad: " ", startingAt: 0)) "
                        + "\(String(line.count).padding(toLength: 6, withPad: " ", startingAt: 0)) \(line.description)")
            }
        }
    }
}
