import App
import ArgumentParser
import Foundation

/// `steward admin`: staff accounts from the command line.
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage staff accounts.", subcommands: [Create.self, Token.self])

    /// `steward admin create --email`: prints a one-time link that creates a staff account.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a one-time link (valid 7 days) that creates a staff account for an e-mail address.")

        @Option(name: .long, help: "The staff member's e-mail address.")
        var email: String

        @Option(name: .long, help: "owner, privacy_officer or editor.")
        var role: String = "owner"

        @OptionGroup var common: CommonOptions

        func run() async throws {
            let configuration = try await common.configuration()
            let link = try await withServices(configuration, logger: makeLogger()) { services in
                try await services.createStaffInvite(email: email, role: role)
            }
            print(
                "Open this link to create the \(role) account for the address given (valid for 7 days):\n\n    \(link)\n"
            )
        }
    }

    /// `steward admin token --email --name`: prints a new statistics API token for an existing staff member.
    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a statistics API token for a staff member and print it (shown only once).")

        @Option(name: .long, help: "The staff member's e-mail address.")
        var email: String

        @Option(name: .long, help: "What the token is for, e.g. \"reporting\".")
        var name: String

        @OptionGroup var common: CommonOptions

        func run() async throws {
            let configuration = try await common.configuration()
            do {
                let token = try await withServices(configuration, logger: makeLogger()) { services in
                    try await services.createStaffToken(email: email, name: name)
                }
                print("API token for \(email) (use as Authorization: Bearer …; it is not shown again):")
                print(token)
            } catch let error as StaffTokenError {
                let message =
                    switch error {
                    case .unknownStaff: "No staff member has the address \(email)."
                    case .invalidName(let problem): "--name: \(problem)"
                    }
                FileHandle.standardError.write(Data((message + "\n").utf8))
                throw ExitCode(1)
            }
        }
    }
}
