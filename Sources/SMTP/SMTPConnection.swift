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
    /// Runs transactions on the channel's event loop.
    private let loop: EventLoopIsolation
    /// Whether the connection may still be used; becomes `false` once and stays so.
    private let isOpen = Mutex(true)
    /// The envelope of the next message, written right after the previous message's final dot (see
    /// `send(_:from:to:then:)`), and the replies to it that have not been read yet.
    private let prepared = Mutex<PreparedEnvelope?>(nil)

    /// An envelope sent ahead of its message's content.
    private struct PreparedEnvelope: Sendable {
        let from: String
        let recipients: [String]
        /// MAIL FROM, each RCPT TO, DATA.
        let replies: [CommandChannel.PendingReply]
    }

    /// The envelope of a message that is to follow on the same connection.
    struct NextEnvelope: Sendable {
        let from: String
        let recipients: [String]
        let hasEightBitBytes: Bool
    }

    /// Wraps a channel that has completed the handshake.
    private init(commands: CommandChannel, capabilities: [String]) {
        self.commands = commands
        self.capabilities = capabilities
        self.loop = EventLoopIsolation(eventLoop: commands.channel.eventLoop)
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
    /// When the server announced PIPELINING, MAIL FROM, every RCPT TO and DATA go out as one group (one write)
    /// and the replies are read afterwards, so a message costs two round trips; otherwise each command waits for
    /// its reply. `BODY=8BITMIME` is added when the message has non-ASCII bytes and the server offers 8BITMIME,
    /// `SMTPUTF8` when an envelope address is non-ASCII and the server offers SMTPUTF8. Any refused recipient
    /// fails the whole message, so that no recipient gets it twice when it is retried.
    /// - Parameters:
    ///   - rawMessage: The RFC 5322 message, e.g. from `MailMessage.render()`; any line endings.
    ///   - envelopeFrom: The envelope sender (bounces go there); empty for the null sender `<>`.
    ///   - recipients: The envelope recipients, at least one.
    /// - Returns: The server's reply text to the end of DATA, usually with its queue id.
    /// - Throws: `MailError.invalidAddress`/`.headerInjection` for a malformed envelope address (nothing is
    ///   sent); `SMTPError.transient` for a 4xx reply, `.permanent` for a 5xx reply (on RCPT too), `.timeout` or
    ///   `.connectionFailed`.
    /// - Important: After `.timeout` or `.connectionFailed` the message may have been accepted: the failure may
    ///   have come after the final `.` was written and before its reply arrived. A retry may then deliver it
    ///   twice. After a 4xx or 5xx reply it was not accepted.
    public func send(_ rawMessage: String, from envelopeFrom: String, to recipients: [String]) async throws -> String {
        try Self.validateEnvelope(from: envelopeFrom, to: recipients)
        return try await send(
            DataPayload(rawMessage, allocator: commands.channel.allocator), from: envelopeFrom, to: recipients)
    }

    /// Sends one message given as bytes, like `send(_:from:to:)` with a `String`.
    ///
    /// When the bytes are already in wire form (CRLF line endings only, ending in CRLF, no line starting with
    /// `.`) they are written as they are, without a copy; otherwise they are converted like a `String` is.
    /// - Parameters:
    ///   - rawMessage: The RFC 5322 message's bytes (the readable bytes), not dot-stuffed; any line endings.
    ///   - envelopeFrom: The envelope sender; empty for the null sender `<>`.
    ///   - recipients: The envelope recipients, at least one.
    /// - Returns: The server's reply text to the end of DATA.
    /// - Throws: As `send(_:from:to:)` with a `String`.
    public func send(
        _ rawMessage: ByteBuffer, from envelopeFrom: String, to recipients: [String]
    ) async throws -> String {
        try Self.validateEnvelope(from: envelopeFrom, to: recipients)
        return try await send(
            DataPayload(rawMessage, allocator: commands.channel.allocator), from: envelopeFrom, to: recipients)
    }

    /// Sends a prepared message over an envelope that has been validated.
    /// - Parameters:
    ///   - payload: The message in wire form.
    ///   - envelopeFrom: The envelope sender, validated; empty for `<>`.
    ///   - recipients: The envelope recipients, validated, at least one.
    /// - Returns: The server's reply text to the end of DATA.
    /// - Throws: `SMTPError`, see `send(_:from:to:)`.
    func send(_ payload: DataPayload, from envelopeFrom: String, to recipients: [String]) async throws(SMTPError)
        -> String
    {
        try await send(payload, from: envelopeFrom, to: recipients, then: nil, on: loop)
    }

    /// Sends a prepared message and, when the server offers PIPELINING and `next` is given, writes the next
    /// message's envelope (MAIL FROM, RCPT TO, DATA) together with this message's final dot: one write and one
    /// round of replies per message instead of two.
    ///
    /// The next call must then send that message (same envelope); its envelope replies are checked first. When
    /// it does not come, ``abandon()`` the connection: the server waits for content, so the only safe way out is
    /// to close the connection, which drops the half-begun transaction without delivering anything.
    /// - Parameters:
    ///   - payload: The message in wire form.
    ///   - envelopeFrom: The envelope sender, validated; empty for `<>`.
    ///   - recipients: The envelope recipients, validated, at least one.
    ///   - next: The envelope of the message that follows, validated.
    /// - Returns: The server's reply text to the end of DATA.
    /// - Throws: `SMTPError`, see `send(_:from:to:)`. After a failure the connection is not usable when a next
    ///   envelope had been written.
    func send(
        _ payload: DataPayload, from envelopeFrom: String, to recipients: [String], then next: NextEnvelope?
    ) async throws(SMTPError) -> String {
        try await send(payload, from: envelopeFrom, to: recipients, then: next, on: loop)
    }

    /// Whether the envelope of a next message was written and its content not yet sent.
    var hasPreparedEnvelope: Bool {
        prepared.withLock { $0 != nil }
    }

    /// Whether an envelope was written ahead for another message than this one (which then cannot go here).
    func hasPreparedEnvelope(otherThan envelopeFrom: String, to recipients: [String]) -> Bool {
        prepared.withLock { prepared in
            prepared.map { $0.from != envelopeFrom || $0.recipients != recipients } ?? false
        }
    }

    /// Closes the connection without QUIT (which a server waiting for message content would take as content);
    /// a transaction begun ahead is dropped by the server, nothing is delivered.
    func abandon() async {
        prepared.withLock { $0 = nil }
        isOpen.withLock { $0 = false }
        await commands.close()
    }

    /// `send(_:from:to:)` for a prepared message, running on the event loop: writes go straight into the channel
    /// and each reply resumes the transaction on the thread that read it.
    /// - Parameters:
    ///   - payload: The message in wire form.
    ///   - envelopeFrom: The envelope sender, validated; empty for `<>`.
    ///   - recipients: The envelope recipients, validated, at least one.
    ///   - loop: The channel's event loop as an actor.
    /// - Returns: The server's reply text to the end of DATA.
    /// - Throws: `SMTPError`, see `send(_:from:to:)`.
    private func send(
        _ payload: DataPayload, from envelopeFrom: String, to recipients: [String], then next: NextEnvelope?,
        on loop: isolated EventLoopIsolation
    ) async throws(SMTPError) -> String {
        await turnstile.enter()
        defer { turnstile.leave() }
        guard isOpen.withLock({ $0 }) else {
            throw SMTPError.connectionFailed("The connection is closed.")
        }
        let start = ContinuousClock.now
        do {
            let reply = try await transaction(payload, from: envelopeFrom, to: recipients, then: next)
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

    /// The event loop the connection runs on.
    public var eventLoop: any EventLoop {
        commands.channel.eventLoop
    }

    /// Whether the connection can take another message: not closed, no fatal failure, channel still up. A server
    /// that hung up while the connection sat idle shows here once the close has been noticed.
    var isUsable: Bool {
        isOpen.withLock { $0 } && commands.channel.isActive
    }

    /// Checks the envelope addresses before anything is sent.
    /// - Parameters:
    ///   - envelopeFrom: The envelope sender; empty for `<>`.
    ///   - recipients: The envelope recipients.
    /// - Throws: `MailError.invalidAddress` for a malformed address or no recipient, `.headerInjection` for an
    ///   address with a line break.
    static func validateEnvelope(from envelopeFrom: String, to recipients: [String]) throws(MailError) {
        if !envelopeFrom.isEmpty {
            try MailAddress.validate(envelopeFrom, field: "envelope sender")
        }
        guard !recipients.isEmpty else {
            throw MailError.invalidAddress("the envelope has no recipient")
        }
        for recipient in recipients {
            try MailAddress.validate(recipient, field: "envelope recipient")
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
        // A server that accepted DATA ahead of the content would take QUIT for content.
        let waitsForContent = prepared.withLock { prepared in
            defer { prepared = nil }
            return prepared != nil
        }
        if !waitsForContent {
            _ = try? await commands.execute("QUIT", verb: "QUIT", timeout: min(commands.commandTimeout, .seconds(5)))
        }
        await commands.close()
    }

    /// The commands of one message, each checked for its expected reply.
    /// - Parameters:
    ///   - payload: The message in wire form.
    ///   - envelopeFrom: The envelope sender, validated.
    ///   - recipients: The envelope recipients, validated.
    ///   - isolation: Where the caller runs (the event loop); the transaction stays there.
    /// - Returns: The reply to the end of DATA.
    /// - Throws: The first failure, as `SMTPError`.
    private func transaction(
        _ payload: DataPayload, from envelopeFrom: String, to recipients: [String], then next: NextEnvelope?,
        isolation: isolated (any Actor)? = #isolation
    ) async throws(SMTPError) -> SMTPReply {
        let pipelining = capabilities.contains("PIPELINING")
        if let ahead = prepared.withLock({ prepared in
            defer { prepared = nil }
            return prepared
        }) {
            guard ahead.from == envelopeFrom, ahead.recipients == recipients else {
                // Not the message announced: its envelope cannot be taken back.
                isOpen.withLock { $0 = false }
                await commands.close()
                throw .connectionFailed("The message is not the one whose envelope was sent ahead.")
            }
            try await checkEnvelope(ahead.replies)
        } else {
            let envelope = envelopeCommands(
                from: envelopeFrom, to: recipients, hasEightBitBytes: payload.hasEightBitBytes)
            if pipelining {
                try await checkEnvelope(commands.write(envelope))
            } else {
                try await expect(250, from: commands.reply(to: commands.write([envelope[0]])[0]))
                for command in envelope.dropFirst().dropLast() {
                    try await expect(250, 251, from: commands.reply(to: commands.write([command])[0]))
                }
                try await expect(354, from: commands.reply(to: commands.write([envelope[envelope.count - 1]])[0]))
            }
        }
        var items: [CommandChannel.Outgoing] = [
            .init(bytes: payload.content, verb: nil), .init(bytes: DotStuffing.terminator, verb: "message"),
        ]
        if let next, pipelining {
            items += envelopeCommands(from: next.from, to: next.recipients, hasEightBitBytes: next.hasEightBitBytes)
        }
        let pending = commands.write(items)
        if pending.count > 1, let next {
            prepared.withLock {
                $0 = PreparedEnvelope(from: next.from, recipients: next.recipients, replies: Array(pending.dropFirst()))
            }
        }
        let reply = try await commands.reply(to: pending[0])
        try expect(250, from: reply)
        return reply
    }

    /// MAIL FROM (with `BODY=8BITMIME` and `SMTPUTF8` where needed and offered), one RCPT TO per recipient, DATA.
    private func envelopeCommands(from envelopeFrom: String, to recipients: [String], hasEightBitBytes: Bool)
        -> [CommandChannel.Outgoing]
    {
        var mailFrom = "MAIL FROM:<\(envelopeFrom)>"
        if hasEightBitBytes, capabilities.contains("8BITMIME") {
            mailFrom += " BODY=8BITMIME"
        }
        let isASCII = { (address: String) in address.utf8.allSatisfy { $0 < 0x80 } }
        if !(isASCII(envelopeFrom) && recipients.allSatisfy(isASCII)), capabilities.contains("SMTPUTF8") {
            mailFrom += " SMTPUTF8"
        }
        let allocator = commands.channel.allocator
        var envelope = [CommandChannel.Outgoing(bytes: allocator.buffer(string: mailFrom + "\r\n"), verb: "MAIL")]
        envelope.reserveCapacity(recipients.count + 2)
        for recipient in recipients {
            envelope.append(.init(bytes: allocator.buffer(string: "RCPT TO:<\(recipient)>\r\n"), verb: "RCPT"))
        }
        envelope.append(.init(bytes: allocator.buffer(staticString: "DATA\r\n"), verb: "DATA"))
        return envelope
    }

    /// Checks the replies to MAIL FROM, the RCPT TOs and DATA written as one group (RFC 2920), in order.
    ///
    /// When a command failed but DATA was still answered 354 the server now reads message content. With no
    /// recipient accepted, the lone `.` ends an empty message that cannot be delivered, and the session is back
    /// in a state where RSET works. With a recipient accepted, the `.` would deliver an empty message to them,
    /// so the connection is closed instead, which makes the server drop the transaction.
    /// - Parameters:
    ///   - pending: The replies to MAIL FROM, each RCPT TO, and DATA.
    ///   - isolation: Where the caller runs (the event loop); the replies resume it there.
    /// - Throws: The error of the first command that failed, in order.
    private func checkEnvelope(
        _ pending: [CommandChannel.PendingReply], isolation: isolated (any Actor)? = #isolation
    ) async throws(SMTPError) {
        var failure: SMTPError?
        var isMailAccepted = false
        var acceptedRecipients = 0
        var isDataAccepted = false
        // Every reply is awaited, also after a failure, so that the next command is paired with its own reply.
        for (index, reply) in pending.enumerated() {
            let result: SMTPReply
            do {
                result = try await commands.reply(to: reply)
            } catch {
                failure = failure ?? error
                continue
            }
            let expected = index == 0 ? [250] : index == pending.count - 1 ? [354] : [250, 251]
            guard expected.contains(result.code) else {
                failure = failure ?? result.error
                continue
            }
            switch index {
            case 0: isMailAccepted = true
            case pending.count - 1: isDataAccepted = true
            default: acceptedRecipients += 1
            }
        }
        guard let failure else {
            return
        }
        if isDataAccepted {
            if isMailAccepted && acceptedRecipients > 0 {
                isOpen.withLock { $0 = false }
                await commands.close()
            } else {
                _ = try? await commands.reply(
                    to: commands.write([.init(bytes: DotStuffing.terminator, verb: "abort")])[0])
            }
        }
        throw failure
    }

    /// After a failed transaction: RSET when the server is still talking to us, otherwise mark closed and close.
    /// - Parameters:
    ///   - error: How the transaction failed.
    ///   - isolation: Where the caller runs (the event loop).
    private func recover(after error: SMTPError, isolation: isolated (any Actor)? = #isolation) async {
        if hasPreparedEnvelope {
            // RSET would arrive after a DATA the server may have accepted, and be taken for content.
            await abandon()
            return
        }
        switch error {
        case .transient(let code, _) where code == 421:
            // 421: the server is closing the channel; nothing more can be said on it.
            break
        case .transient, .permanent:
            // A connection closed on purpose (see `checkEnvelope`) or by the server cannot take RSET.
            if isUsable, (try? await commands.execute("RSET", verb: "RSET"))?.code == 250 {
                return
            }
        case .connectionFailed, .timeout, .authenticationUnsupported:
            break
        }
        isOpen.withLock { $0 = false }
        await commands.close()
    }
}
