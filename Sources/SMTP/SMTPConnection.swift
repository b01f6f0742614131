import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A connection to the relay: connect, EHLO, STARTTLS (then EHLO again), AUTH PLAIN or LOGIN (PLAIN preferred),
/// then any number of messages, then QUIT.
///
/// Concurrent `send` calls are safe: they take turns. A failed message leaves the connection usable when the
/// server's reply allows it (the transaction is reset with RSET); after a timeout, a 421 or a broken connection
/// every further `send` fails with `SMTPError.connectionFailed`. Logs carry only host, port, codes and timings.
public final class SMTPConnection: Sendable {
    /// The server's EHLO capabilities, uppercased, e.g. `PIPELINING`, `8BITMIME`, `AUTH PLAIN LOGIN`; empty when
    /// the server only understood HELO. After STARTTLS these are the ones announced over TLS.
    public let capabilities: [String]

    /// Commands and replies over the channel.
    private let commands: CommandChannel
    /// Serializes transactions.
    private let turnstile = Turnstile()
    /// Whether the connection may still be used; becomes `false` once and stays so.
    private let isOpen = Mutex(true)

    /// Wraps a channel that has completed the handshake.
    private init(commands: CommandChannel, capabilities: [String]) {
        self.commands = commands
        self.capabilities = capabilities
    }

    deinit {
        if isOpen.withLock({ $0 }) {
            commands.channel.close(promise: nil)
        }
    }

    /// Connects and completes the handshake: greeting, EHLO (HELO if refused), STARTTLS and EHLO again when the
    /// configuration asks for it, and AUTH when it has a user name.
    /// - Parameters:
    ///   - configuration: Where and how to connect.
    ///   - eventLoopGroup: The event loops to run on.
    ///   - logger: Receives debug entries with host, port, codes and timings only.
    /// - Returns: A connection ready for `send`.
    /// - Throws: `SMTPError`: `.connectionFailed` when the server cannot be reached, TLS fails or STARTTLS is
    ///   required but not offered; `.timeout`; `.transient`/`.permanent` for a refusing greeting or failed AUTH;
    ///   `.authenticationUnsupported` when credentials are set and neither PLAIN nor LOGIN is offered.
    public static func connect(
        configuration: SMTPConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger
    ) async throws(SMTPError) -> SMTPConnection {
        var logger = logger
        logger[metadataKey: "smtp.host"] = "\(configuration.host)"
        logger[metadataKey: "smtp.port"] = "\(configuration.port)"
        let start = ContinuousClock.now

        var tlsContext: NIOSSLContext?
        if configuration.security != .plain {
            do {
                tlsContext = try NIOSSLContext(configuration: configuration.tlsConfiguration)
            } catch {
                throw .connectionFailed("The TLS configuration is unusable: \(error)")
            }
        }
        // SNI and name verification need a host name; for an IP address NIOSSL verifies the peer's address.
        let serverHostname =
            (try? SocketAddress(ipAddress: configuration.host, port: 0)) == nil ? configuration.host : nil
        let failureRecord = FailureRecord()
        let channel = try await openChannel(
            configuration: configuration, eventLoopGroup: eventLoopGroup,
            implicitTLS: configuration.security == .implicitTLS ? tlsContext : nil, serverHostname: serverHostname,
            failureRecord: failureRecord)
        let commands = CommandChannel(
            channel: channel, commandTimeout: TimeAmount(configuration.commandTimeout), logger: logger,
            failureRecord: failureRecord)
        do {
            let capabilities = try await handshake(
                commands, configuration: configuration,
                startTLS: configuration.security == .startTLS ? tlsContext : nil, serverHostname: serverHostname)
            logger.debug("SMTP connected", metadata: ["smtp.ms": "\(CommandChannel.milliseconds(since: start))"])
            return SMTPConnection(commands: commands, capabilities: capabilities)
        } catch {
            await commands.close()
            throw error
        }
    }

    /// Sends one message: MAIL FROM, RCPT TO for each recipient, DATA with the dot-stuffed message.
    ///
    /// `BODY=8BITMIME` is added when the message has non-ASCII bytes and the server offers 8BITMIME, `SMTPUTF8`
    /// when an envelope address is non-ASCII and the server offers SMTPUTF8. Any refused recipient fails the whole
    /// message, so that no recipient gets it twice when it is retried.
    /// - Parameters:
    ///   - rawMessage: The RFC 5322 message, e.g. from `MailMessage.render()`; any line endings.
    ///   - envelopeFrom: The envelope sender (bounces go there); empty for the null sender `<>`.
    ///   - recipients: The envelope recipients, at least one.
    /// - Returns: The server's reply text to the end of DATA, usually with its queue id.
    /// - Throws: `MailError.invalidAddress`/`.headerInjection` for a malformed envelope address (nothing is
    ///   sent); `SMTPError.transient` for a 4xx reply, `.permanent` for a 5xx reply (on RCPT too), `.timeout` or
    ///   `.connectionFailed`.
    public func send(_ rawMessage: String, from envelopeFrom: String, to recipients: [String]) async throws -> String {
        if !envelopeFrom.isEmpty {
            try MailAddress.validate(envelopeFrom, field: "envelope sender")
        }
        guard !recipients.isEmpty else {
            throw MailError.invalidAddress("the envelope has no recipient")
        }
        for recipient in recipients {
            try MailAddress.validate(recipient, field: "envelope recipient")
        }

        await turnstile.enter()
        defer { turnstile.leave() }
        guard isOpen.withLock({ $0 }) else {
            throw SMTPError.connectionFailed("The connection is closed.")
        }
        let start = ContinuousClock.now
        do {
            let reply = try await transaction(rawMessage, from: envelopeFrom, to: recipients)
            commands.logger.debug(
                "SMTP message accepted",
                metadata: [
                    "smtp.recipients": "\(recipients.count)", "smtp.ms": "\(CommandChannel.milliseconds(since: start))",
                ])
            return reply.text
        } catch {
            await recover(after: error)
            throw error
        }
    }

    /// Says QUIT (waiting at most 5 seconds for the reply) and closes the connection. Never throws; calling it
    /// again does nothing.
    public func close() async {
        await turnstile.enter()
        defer { turnstile.leave() }
        let wasOpen = isOpen.withLock { isOpen in
            defer { isOpen = false }
            return isOpen
        }
        guard wasOpen else {
            return
        }
        _ = try? await commands.execute("QUIT", verb: "QUIT", timeout: min(commands.commandTimeout, .seconds(5)))
        await commands.close()
    }

    /// The commands of one message, each checked for its expected reply.
    private func transaction(
        _ rawMessage: String, from envelopeFrom: String, to recipients: [String]
    ) async throws(SMTPError) -> SMTPReply {
        var mailFrom = "MAIL FROM:<\(envelopeFrom)>"
        if rawMessage.utf8.contains(where: { $0 >= 0x80 }), capabilities.contains("8BITMIME") {
            mailFrom += " BODY=8BITMIME"
        }
        let addresses = [envelopeFrom] + recipients
        if addresses.contains(where: { $0.utf8.contains { $0 >= 0x80 } }), capabilities.contains("SMTPUTF8") {
            mailFrom += " SMTPUTF8"
        }
        try await expect(250, from: commands.execute(mailFrom, verb: "MAIL"))
        for recipient in recipients {
            try await expect(250, 251, from: commands.execute("RCPT TO:<\(recipient)>", verb: "RCPT"))
        }
        try await expect(354, from: commands.execute("DATA", verb: "DATA"))
        let reply = try await commands.transmit(DotStuffing.payload(for: rawMessage), verb: "message")
        try expect(250, from: reply)
        return reply
    }

    /// After a failed transaction: RSET when the server is still talking to us, otherwise mark closed and close.
    private func recover(after error: SMTPError) async {
        switch error {
        case .transient(let code, _) where code == 421:
            // 421: the server is closing the channel; nothing more can be said on it.
            break
        case .transient, .permanent:
            if (try? await commands.execute("RSET", verb: "RSET"))?.code == 250 {
                return
            }
        case .connectionFailed, .timeout, .authenticationUnsupported:
            break
        }
        isOpen.withLock { $0 = false }
        await commands.close()
    }
}
