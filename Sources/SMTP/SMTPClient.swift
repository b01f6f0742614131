import Logging
import NIOCore

/// Sends messages with one connection per call.
public struct SMTPClient: Sendable {
    /// Where and how to reach the relay.
    public let configuration: SMTPConfiguration
    /// The event loops connections run on.
    public let eventLoopGroup: any EventLoopGroup
    /// Receives debug entries with host, codes and timings only.
    public let logger: Logger

    /// Creates a client; nothing connects until `send(_:)`.
    /// - Parameters:
    ///   - configuration: Where and how to reach the relay.
    ///   - eventLoopGroup: The event loops to run on, e.g. `MultiThreadedEventLoopGroup.singleton`.
    ///   - logger: Receives debug entries with host, codes and timings only.
    public init(configuration: SMTPConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Renders `message`, connects, sends it from `message.from` to every address in `message.to`, and quits.
    /// - Parameter message: The message.
    /// - Throws: `MailError` when the message cannot be rendered (nothing is sent), `SMTPError` otherwise; use
    ///   `SMTPError.isTransient` to decide whether to retry.
    public func send(_ message: MailMessage) async throws {
        let rawMessage = try message.render()
        let connection = try await SMTPConnection.connect(
            configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
        do {
            _ = try await connection.send(rawMessage, from: message.from.address, to: message.to.map(\.address))
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }
}
