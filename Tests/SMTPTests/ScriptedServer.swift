import NIOCore
import NIOPosix
import Synchronization

/// A loopback SMTP server that answers from a script, for protocol paths aiosmtpd cannot produce (multi-line
/// quirks, HELO fallback, AUTH LOGIN, STARTTLS injection, silence, malformed replies, 421).
final class ScriptedServer: Sendable {
    /// What the server does after receiving a line.
    enum Action: Sendable {
        /// Sends the text followed by CRLF (it may contain inner CRLFs for several lines).
        case reply(String)
        /// Sends the text followed by CRLF, then closes the connection.
        case replyAndClose(String)
        /// Sends nothing.
        case silence
    }

    /// The port the server listens on at 127.0.0.1.
    let port: Int
    /// The listening channel.
    private let channel: any Channel
    /// Every line received, across connections, in order (DATA lines included, as sent on the wire).
    private let transcript: Transcript

    /// Every line received so far.
    var receivedLines: [String] { transcript.lines }

    /// Starts listening on a free loopback port.
    /// - Parameters:
    ///   - greeting: The text sent on connect (CRLF added); `nil` for a server that never speaks.
    ///   - script: Maps each command line (and the `.` ending DATA) to an action; lines between a 354 reply and
    ///     the `.` are only recorded.
    static func start(
        greeting: String? = "220 scripted.test ESMTP", script: @escaping @Sendable (String) -> Action
    ) async throws -> ScriptedServer {
        let transcript = Transcript()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(
                        ScriptHandler(greeting: greeting, script: script, transcript: transcript))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedServer(port: channel.localAddress?.port ?? 0, channel: channel, transcript: transcript)
    }

    /// A port on 127.0.0.1 where nothing listens (bound, then released).
    static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    /// Wraps a listening channel.
    private init(port: Int, channel: any Channel, transcript: Transcript) {
        self.port = port
        self.channel = channel
        self.transcript = transcript
    }

    /// Stops listening.
    func stop() async {
        try? await channel.close()
    }
}

/// The lines a `ScriptedServer` received, shared between its connections.
private final class Transcript: Sendable {
    /// The guarded lines.
    private let storage = Mutex<[String]>([])

    /// A copy of the lines so far.
    var lines: [String] { storage.withLock { $0 } }

    /// Appends one line.
    func append(_ line: String) {
        storage.withLock { $0.append(line) }
    }
}

/// One connection of a `ScriptedServer`: splits lines and plays the script.
private final class ScriptHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sent on connect, if any.
    private let greeting: String?
    /// Decides the answer to each line.
    private let script: @Sendable (String) -> ScriptedServer.Action
    /// Records every line.
    private let transcript: Transcript
    /// Bytes of an incomplete line.
    private var buffer = ByteBuffer()
    /// Whether we are between a 354 reply and the `.` line.
    private var isReadingData = false

    /// Creates the handler for one connection.
    init(greeting: String?, script: @escaping @Sendable (String) -> ScriptedServer.Action, transcript: Transcript) {
        self.greeting = greeting
        self.script = script
        self.transcript = transcript
    }

    func channelActive(context: ChannelHandlerContext) {
        if let greeting {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: greeting + "\r\n")), promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        while let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")),
            let bytes = buffer.readBytes(length: end - buffer.readerIndex + 1)
        {
            let line = String(decoding: bytes.dropLast(bytes.suffix(2) == [13, 10] ? 2 : 1), as: UTF8.self)
            transcript.append(line)
            if isReadingData && line != "." {
                continue
            }
            isReadingData = false
            perform(script(line), context: context)
        }
    }

    /// Carries out one action.
    private func perform(_ action: ScriptedServer.Action, context: ChannelHandlerContext) {
        switch action {
        case .reply(let text):
            isReadingData = text.hasPrefix("354")
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
        case .replyAndClose(let text):
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n"))).assumeIsolated().whenComplete {
                _ in
                context.close(promise: nil)
            }
        case .silence:
            break
        }
    }
}
