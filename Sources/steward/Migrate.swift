import App
import ArgumentParser
import Foundation
import Storage

/// `steward migrate`: applies (or reverts) database migrations.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations (serve does this too), or revert the newest ones.")

    @Option(name: .long, help: "Revert this many of the newest migrations instead of applying.")
    var revert: Int?

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try await common.configuration()
        let logger = makeLogger()
        let revert = revert
        do {
            try await withDatabase(configuration, logger: logger) { database in
                let migrator = Migrator(database: database, logger: logger)
                if let revert {
                    let reverted = try await migrator.revert(count: revert)
                    print(reverted.isEmpty ? "Nothing to revert." : "Reverted: \(reverted.joined(separator: ", "))")
                } else {
                    let applied = try await migrator.migrate()
                    print(
                        applied.isEmpty ? "The database is up to date." : "Applied: \(applied.joined(separator: ", "))")
                }
            }
        } catch {
            FileHandle.standardError.write(Data("Migration failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
