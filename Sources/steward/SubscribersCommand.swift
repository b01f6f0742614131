import App
import ArgumentParser
import Foundation

/// `steward subscribers`: list members of mailing lists.
struct SubscribersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribers", abstract: "Import subscribers into a mailing list; handle unsubscribe mail.",
        subcommands: [Import.self, UnsubscribeMailCommand.self])

    /// `steward subscribers import --list ID FILE`.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a CSV file of subscribers into a list, all or nothing.",
            discussion: """
                Columns: email, consent_source (where consent was given) and consented_at (when: 2024-05-01 or an \
                ISO 8601 date-time) are required; name and tags (separated by ;) are optional. Any refused row \
                refuses the whole file unless --skip-refused is given. Exits 1 when nothing was imported.
                """)

        @OptionGroup var common: CommonOptions

        @Option(help: "The list's id (the lists are shown in the staff console).")
        var list: String

        @Flag(help: "Import the acceptable rows even when others are refused.")
        var skipRefused = false

        @Argument(help: "The CSV file.")
        var file: String

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("Cannot read \(file).\n".utf8))
                throw ExitCode(1)
            }
            let configuration = try await common.configuration()
            let started = ContinuousClock.now
            let (list, skipRefused) = (list, skipRefused)
            let summary = try await withServices(configuration, logger: makeLogger()) { services in
                do {
                    return try await services.importSubscribers(
                        listID: list, csv: Array(data), skipRefused: skipRefused)
                } catch let error as CommandError {
                    FileHandle.standardError.write(Data("\(error)\n".utf8))
                    throw ExitCode(1)
                }
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            for problem in summary.problems.prefix(50) { print(problem) }
            if summary.problems.count > 50 { print("… and \(summary.problems.count - 50) more refused rows") }
            if summary.committed {
                print(
                    "Imported \(summary.created + summary.added) of \(summary.rows) rows into \(list): "
                        + "\(summary.created) new subscribers, \(summary.added) existing ones added, "
                        + "\(summary.alreadyOnList) already on the list, \(summary.problems.count) refused "
                        + String(format: "(%.2f s).", seconds))
            } else {
                print("Nothing was imported: \(summary.problems.count) rows refused. Fix them, or use --skip-refused.")
                throw ExitCode(1)
            }
        }
    }

    /// `steward subscribers unsubscribe-mail`: one message to the List-Unsubscribe mailbox, on standard input.
    struct UnsubscribeMailCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unsubscribe-mail",
            abstract: "Unsubscribe the recipient named by a message sent to the List-Unsubscribe mailbox.",
            discussion: """
                Reads one e-mail message on standard input, for a mail server to pipe to (a Postfix alias such as \
                unsubscribe: "|steward subscribers unsubscribe-mail"). The signed token in the subject or body \
                decides who leaves which list. Exits 0 when the message was handled, also when it held no valid \
                token (so nothing bounces back to a stranger); exits 75 (try again later) when the database \
                cannot be reached, so the mail server keeps the message and retries.
                """)

        @OptionGroup var common: CommonOptions

        func run() async throws {
            let message = Array(FileHandle.standardInput.readDataToEndOfFile())
            let configuration = try await common.configuration()
            let outcome: MailUnsubscribeOutcome
            do {
                outcome = try await withServices(configuration, logger: makeLogger()) { services in
                    try await services.unsubscribe(mail: message)
                }
            } catch {
                FileHandle.standardError.write(Data("Cannot handle the message now: \(error)\n".utf8))
                throw ExitCode(75)
            }
            switch outcome {
            case .unsubscribed(let listName): print("Unsubscribed from \(listName).")
            case .noToken: print("Ignored: the message holds no unsubscribe token.")
            case .invalidToken: print("Ignored: the unsubscribe token is forged, altered or expired.")
            }
        }
    }
}
