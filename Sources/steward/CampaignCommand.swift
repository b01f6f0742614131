import App
import ArgumentParser
import Foundation
import Synchronization

/// `steward campaign`: campaigns from the command line.
struct CampaignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign", abstract: "Create, list and send campaigns.",
        subcommands: [List.self, Create.self, Start.self, Send.self])

    /// `steward campaign list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List campaigns, newest first.")

        @OptionGroup var common: CommonOptions

        func run() async throws {
            let configuration = try await common.configuration()
            let campaigns = try await withServices(configuration, logger: makeLogger()) { services in
                try await services.campaignSummaries()
            }
            if campaigns.isEmpty { print("No campaigns yet. Write one in the staff console under Campaigns.") }
            for campaign in campaigns {
                print(
                    "\(campaign.id)  \(campaign.status.padding(toLength: 9, withPad: " ", startingAt: 0))  "
                        + "\(campaign.listID)  \(campaign.recipients) recipients  \(campaign.subject)")
            }
        }
    }

    /// `steward campaign create`: a draft from a Markdown file.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a draft campaign from a Markdown file; prints its id.")

        @OptionGroup var common: CommonOptions

        @Option(help: "The list's id.")
        var list: String

        @Option(help: "The subject line.")
        var subject: String

        @Option(help: "A Markdown file with the message (Mustache tags like {{name}} allowed).")
        var bodyFile: String

        @Option(help: "Send only to subscribers with one of these interests (comma-separated).")
        var tags: String = ""

        func run() async throws {
            guard let body = FileManager.default.contents(atPath: bodyFile) else {
                FileHandle.standardError.write(Data("Cannot read \(bodyFile).\n".utf8))
                throw ExitCode(1)
            }
            let configuration = try await common.configuration()
            let (list, subject, tags) = (list, subject, tags)
            let id = try await withServices(configuration, logger: makeLogger()) { services in
                do {
                    return try await services.createCampaign(
                        listID: list, subject: subject, markdown: String(decoding: body, as: UTF8.self),
                        tags: tags.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                } catch let error as CommandError {
                    FileHandle.standardError.write(Data("\(error)\n".utf8))
                    throw ExitCode(1)
                }
            }
            print(id)
        }
    }

    /// `steward campaign start ID`: hands the campaign to the running server.
    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark a campaign for sending; the running `steward serve` sends it.")

        @OptionGroup var common: CommonOptions

        @Argument(help: "The campaign's id.")
        var id: String

        func run() async throws {
            let configuration = try await common.configuration()
            let id = id
            try await withServices(configuration, logger: makeLogger()) { services in
                do {
                    try await services.startCampaign(id: id)
                } catch let error as CommandError {
                    FileHandle.standardError.write(Data("\(error)\n".utf8))
                    throw ExitCode(1)
                }
            }
            print("Campaign \(id) is sending; the running server delivers it.")
        }
    }

    /// `steward campaign send ID`: sends in this process, with a progress bar.
    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a campaign now, in this process, showing its progress.",
            discussion: """
                Starts (or resumes) the campaign and sends it over the configured relay (STEWARD_SMTP_URL) with \
                STEWARD_MAIL_CONCURRENCY connections, then exits. Deliveries deferred by a 4xx answer stay queued for \
                the running server to retry. Interrupting it (Ctrl-C) loses nothing: run it again, or let \
                `steward serve` finish.
                """)

        @OptionGroup var common: CommonOptions

        @Argument(help: "The campaign's id (see `steward campaign list`).")
        var id: String

        func run() async throws {
            let configuration = try await common.configuration()
            let id = id
            try await withServices(configuration, logger: makeLogger(), node: "cli") { services in
                do {
                    try await services.startCampaign(id: id)
                } catch let error as CommandError {
                    FileHandle.standardError.write(Data("\(error)\n".utf8))
                    throw ExitCode(1)
                }
                let bar = ProgressBar()
                let started = ContinuousClock.now
                let done = Mutex(false)
                let sending = Task {
                    defer { done.withLock { $0 = true } }
                    try await services.sendCampaigns(only: id)
                }
                while !done.withLock({ $0 }) {
                    bar.show(try await services.campaignCounts(id: id), elapsed: ContinuousClock.now - started)
                    try await Task.sleep(for: .milliseconds(250))
                }
                try await sending.value
                let counts = try await services.campaignCounts(id: id)
                bar.finish(counts, elapsed: ContinuousClock.now - started)
            }
        }
    }
}

/// A one-line terminal progress bar (a line every 5 seconds when the output is not a terminal).
final class ProgressBar: @unchecked Sendable {
    private let isTerminal = isatty(STDOUT_FILENO) == 1
    private var lastLine = ContinuousClock.now - .seconds(10)

    func show(_ counts: CampaignCounts, elapsed: Duration) {
        if !isTerminal {
            guard ContinuousClock.now - lastLine >= .seconds(5) else { return }
            lastLine = ContinuousClock.now
            print(line(counts, elapsed: elapsed))
            return
        }
        let text = line(counts, elapsed: elapsed)
        FileHandle.standardOutput.write(Data(("\r" + text + "\u{1B}[K").utf8))
    }

    func finish(_ counts: CampaignCounts, elapsed: Duration) {
        if isTerminal { FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8)) }
        print(line(counts, elapsed: elapsed))
        print(
            counts.status == "sent"
                ? "Done: \(counts.sent) sent, \(counts.failed) failed, \(counts.dropped) not sent (unsubscribed or no consent)."
                : "Stopped with the campaign \(counts.status): \(counts.pending) still pending.")
    }

    private func line(_ counts: CampaignCounts, elapsed: Duration) -> String {
        let total = max(counts.total, 1)
        let width = 30
        let filled = counts.done * width / total
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(counts.sent) / seconds) : 0
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + "\(counts.done * 100 / total)%  \(counts.sent) sent, \(counts.failed) failed, \(counts.pending) pending  "
            + "\(rate)/s"
    }
}
