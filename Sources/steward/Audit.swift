import App
import ArgumentParser
import Foundation
import Vault

/// `steward audit`: the audit log.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with the tamper-evident audit log.", subcommands: [Verify.self])

    /// `steward audit verify`: checks the hash chain.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check that no audit entry was changed, removed or reordered; exits 1 and names the first bad entry.")

        @OptionGroup var common: CommonOptions

        func run() async throws {
            let configuration = try await common.configuration()
            let result = try await withServices(configuration, logger: makeLogger()) { services in
                try await services.audit.verify()
            }
            switch result {
            case .intact(let count):
                print("The audit log is intact: \(count) entries.")
            case .broken(let sequence, let problem):
                print("The audit log was tampered with: \(result)")
                print("First bad entry: \(sequence) (\(problem.keyword))")
                throw ExitCode(1)
            }
        }
    }
}

extension AuditProblem {
    /// One word for scripts: changed, removed or reordered.
    var keyword: String {
        switch self {
        case .changed: "changed"
        case .removed: "removed"
        case .reordered: "reordered"
        }
    }
}
