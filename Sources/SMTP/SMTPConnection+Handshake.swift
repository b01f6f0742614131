import Foundation
import NIOCore
import NIOPosix
import NIOSSL

extension SMTPConnection {
    /// Opens the TCP connection (with TLS in front for SMTPS) and builds the pipeline.
    /// - Parameters:
    ///   - configuration: Host, port and connect timeout.
    ///   - eventLoopGroup: The event loops to run on.
    ///   - implicitTLS: The TLS context for SMTPS; `nil` for a plaintext start.
    ///   - serverHostname: The TLS server name; `nil` for an IP address.
    ///   - failureRecord: Handed to the `SMTPClientHandler`.
    /// - Returns: The connected channel.
    /// - Throws: `SMTPError.timeout` when connecting takes too long, `.connectionFailed` otherwise.
    static func openChannel(
        configuration: SMTPConfiguration, eventLoopGroup: any EventLoopGroup, implicitTLS: NIOSSLContext?,
        serverHostname: String?, failureRecord: FailureRecord
    ) async throws(SMTPError) -> any Channel {
        let bootstrap = ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let implicitTLS {
                        try pipeline.addHandler(
                            NIOSSLClientHandler(context: implicitTLS, serverHostname: serverHostname))
                    }
                    try pipeline.addHandler(SMTPReplyDecoder())
                    try pipeline.addHandler(SMTPClientHandler(failureRecord: failureRecord))
                }
            }
        do {
            return try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch ChannelError.connectTimeout {
            throw .timeout
        } catch {
            throw .connectionFailed("Could not connect to \(configuration.host):\(configuration.port) (\(error)).")
        }
    }

    /// Greeting, EHLO, STARTTLS with a second EHLO when asked for, and AUTH when there is a user name.
    /// - Parameters:
    ///   - commands: The freshly connected channel.
    ///   - configuration: HELO name and credentials.
    ///   - startTLS: The TLS context when STARTTLS is required; `nil` otherwise.
    ///   - serverHostname: The TLS server name; `nil` for an IP address.
    /// - Returns: The capabilities from the last EHLO.
    /// - Throws: `SMTPError`, see `connect(configuration:eventLoopGroup:logger:)`.
    static func handshake(
        _ commands: CommandChannel, configuration: SMTPConfiguration, startTLS: NIOSSLContext?,
        serverHostname: String?
    ) async throws(SMTPError) -> [String] {
        try await expect(220, from: commands.execute(nil, verb: "greeting"))
        var capabilities = try await hello(commands, name: configuration.heloName)
        if let startTLS {
            guard capabilities.contains("STARTTLS") else {
                throw .connectionFailed("The server does not offer STARTTLS, which this configuration requires.")
            }
            try await expect(220, from: commands.execute("STARTTLS", verb: "STARTTLS"))
            try await commands.startTLS(context: startTLS, serverHostname: serverHostname)
            capabilities = try await hello(commands, name: configuration.heloName)
        }
        if let username = configuration.username {
            try await authenticate(
                commands, username: username, password: configuration.password ?? "", capabilities: capabilities)
        }
        return capabilities
    }

    /// EHLO, or HELO when the server does not understand EHLO.
    /// - Returns: The EHLO keywords uppercased (the reply's lines after the first); empty after HELO.
    private static func hello(_ commands: CommandChannel, name: String) async throws(SMTPError) -> [String] {
        let reply = try await commands.execute("EHLO \(name)", verb: "EHLO")
        if reply.code == 250 {
            return reply.lines.dropFirst().map { $0.uppercased() }
        }
        guard [500, 502].contains(reply.code) else {
            throw reply.error
        }
        try await expect(250, from: commands.execute("HELO \(name)", verb: "HELO"))
        return []
    }

    /// AUTH PLAIN when offered, else AUTH LOGIN.
    /// - Throws: `SMTPError.authenticationUnsupported` when neither is offered; the reply's error when the
    ///   credentials are refused (535 is `.permanent`).
    private static func authenticate(
        _ commands: CommandChannel, username: String, password: String, capabilities: [String]
    ) async throws(SMTPError) {
        // "AUTH=" is the pre-standard form some servers still announce.
        let mechanisms = Set(
            capabilities.filter { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }
                .flatMap { $0.dropFirst(5).split(separator: " ").map(String.init) })
        if mechanisms.contains("PLAIN") {
            let token = base64("\0\(username)\0\(password)")
            try await expect(235, from: commands.execute("AUTH PLAIN \(token)", verb: "AUTH PLAIN"))
        } else if mechanisms.contains("LOGIN") {
            try await expect(334, from: commands.execute("AUTH LOGIN", verb: "AUTH LOGIN"))
            try await expect(334, from: commands.execute(base64(username), verb: "AUTH LOGIN user"))
            try await expect(235, from: commands.execute(base64(password), verb: "AUTH LOGIN password"))
        } else {
            throw .authenticationUnsupported
        }
    }

    /// Base64 of the UTF-8 bytes of `text`.
    private static func base64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }
}

/// Checks that `reply` has one of the expected codes.
/// - Throws: The reply's `SMTPError` (4xx transient, 5xx permanent) otherwise.
func expect(_ codes: Int..., from reply: SMTPReply) throws(SMTPError) {
    guard codes.contains(reply.code) else {
        throw reply.error
    }
}
