import App
import ArgumentParser
import Foundation
import Logging
import Storage

/// The `steward` command: the site and its operations.
@main
struct Steward: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steward",
        abstract: "A self-hosted website backend that runs what its privacy policy promises.",
        subcommands: [
            Serve.self, Migrate.self, Admin.self, Audit.self, PolicyCommand.self, CampaignCommand.self,
            SubscribersCommand.self, AnalyticsCommand.self, RetentionCommand.self, BreachCommand.self,
        ],
        defaultSubcommand: Serve.self)
}

/// Options every command shares: where the data is.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Folder for the SQLite database, the master key and the .eml outbox (STEWARD_DATA_DIR).")
    var dataDir: String?

    /// Loads the configuration, printing every problem and exiting non-zero when it is invalid.
    func configuration(extra: [String: String] = [:]) async throws -> AppConfiguration {
        var flags = extra
        if let dataDir { flags["data-dir"] = dataDir }
        do {
            return try await AppConfiguration.load(flags: flags, environment: ProcessInfo.processInfo.environment)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(78)
        }
    }
}

/// A logger for commands.
func makeLogger(_ label: String = "steward") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel =
        ProcessInfo.processInfo.environment["STEWARD_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
    return logger
}

/// Runs `body` with the database alone (its folder created, pending migrations left to `body`), closing it
/// afterwards whether `body` succeeds or throws: for commands that need neither the master key nor the policy.
func withDatabase<T: Sendable>(
    _ configuration: AppConfiguration, logger: Logger, _ body: (Database) async throws -> T
) async throws -> T {
    try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
    let database = try await Database.open(configuration.databaseLocation, logger: logger)
    do {
        let result = try await body(database)
        await database.shutdown()
        return result
    } catch {
        await database.shutdown()
        throw error
    }
}

/// Runs `body` with the application's services, closing the database afterwards.
func withServices<T: Sendable>(
    _ configuration: AppConfiguration, logger: Logger, node: String = "cli", _ body: (AppServices) async throws -> T
) async throws -> T {
    let services: AppServices
    do {
        services = try await AppServices.make(configuration: configuration, logger: logger, node: node)
    } catch {
        FileHandle.standardError.write(Data("Steward cannot start: \(error)\n".utf8))
        throw ExitCode(1)
    }
    do {
        let result = try await body(services)
        await services.database.shutdown()
        return result
    } catch {
        await services.database.shutdown()
        throw error
    }
}
