import App
import ArgumentParser
import Foundation
import Storage
import Vault

/// `steward audit`: the audit log.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with the tamper-evident audit log.", subcommands: [Verify.self])

    /// `steward audit verify`: checks the hash chain.
    ///
    /// It opens only the database (applying pending migrations, as every command does): no master key, templates
    /// or policy, which the check does not need, so it can run where only the database is at hand.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check that no audit entry was changed, removed or reordered; exits 1 and names the first bad entry.")

        @OptionGroup var common: CommonOptions

        func run() async throws {
            let configuration = try await common.configuration()
            let logger = makeLogger()
            let result: AuditVerification
            do {
                result = try await withDatabase(configuration, logger: logger) { database in
                    try await Migrator(database: database, logger: logger).migrate()
                    return try await AuditLog(database: database, clock: SystemWallClock()).verify()
                }
            } catch {
                FileHandle.standardError.write(Data("Steward cannot verify the audit log: \(error)\n".utf8))
                throw ExitCode(1)
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
