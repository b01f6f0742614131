import App
import ArgumentParser
import Foundation
import Hummingbird
import Logging

/// `steward serve`: runs the site.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the website (SQLite in ./data by default; migrations are applied at start).")

    @Option(name: .long, help: "Address to listen on (STEWARD_HOST, default 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (STEWARD_PORT, default 8080).")
    var port: Int?

    @OptionGroup var common: CommonOptions

    func run() async throws {
        var flags: [String: String] = [:]
        if let host { flags["host"] = host }
        if let port { flags["port"] = String(port) }
        let configuration = try await common.configuration(extra: flags)
        let logger = makeLogger()
        let started = ContinuousClock.now
        let services: AppServices
        do {
            services = try await AppServices.make(configuration: configuration, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("Steward cannot start: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if let link = try await services.ownerSetupLinkIfNeeded() {
            // Written unbuffered: the link must show even when stdout is a file or a pipe.
            FileHandle.standardOutput.write(
                Data(
                    """

                    No staff account exists yet. Create the first owner with this one-time link (valid for 24 hours):

                        \(link)


                    """.utf8))
        }
        let app = buildApplication(services: services, logger: logger) { channel in
            let address = channel.localAddress.map { "\($0.ipAddress ?? configuration.host):\($0.port ?? 0)" } ?? ""
            let elapsed = ContinuousClock.now - started
            logger.info(
                "Steward is listening",
                metadata: [
                    "address": "http://\(address)",
                    "startup.ms":
                        "\(elapsed.components.attoseconds / 1_000_000_000_000_000 + elapsed.components.seconds * 1000)",
                ])
        }
        try await app.runService()
    }
}
