import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A loopback SMTP server that answers from a script, for protocol paths aiosmtpd cannot produce (multi-line
/// quirks, HELO fallback, AUTH LOGIN, STARTTLS injection, silence, malformed replies, 421, pipelining, a
/// connection dropped in the middle of DATA).
final class ScriptedServer: Sendable {
    /// What the server does after receiving a line.
    enum Action: Sendable {
        /// Sends the text followed by CRLF (it may contain inner CRLFs for several lines).
        case reply(String)
        /// Sends the text followed by CRLF, then closes the connection.
        case replyAndClose(String)
        /// Sends the text followed by CRLF once `gate` has opened (immediately when it already is).
        case replyAtGate(Gate, String)
        /// Closes the connection without a word.
        case close
        /// Sends nothing.
        case silence
    }

    /// One line as received.
    struct Entry: Sendable, Equatable {
        /// Which connection it came on, counting from 0 in the order they were accepted.
        var connection: Int
        /// Which read of that connection delivered it, counting from 0: lines with the same number arrived
        /// together, i.e. were written by the client before it waited for any reply.
        var read: Int
        /// The line without its line break.
        var line: String
    }

    /// The port the server listens on at 127.0.0.1.
    let port: Int
    /// The listening channel.
    private let channel: any Channel
    /// Every line received, across connections, in order (DATA lines included, as sent on the wire).
    private let transcript: Transcript

    /// Every line received so far.
    var receivedLines: [String] { transcript.entries.map(\.line) }
    /// Every line received so far, with its connection and read.
    var entries: [Entry] { transcript.entries }
    /// How many connections have been accepted.
    var connectionCount: Int { transcript.connectionCount }

    /// Starts listening on a free loopback port; every connection plays the same script.
    /// - Parameters:
    ///   - greeting: The text sent on connect (CRLF added); `nil` for a server that never speaks.
    ///   - script: Maps each command line (and the `.` ending DATA) to an action; lines between a 354 reply and
    ///     the `.` are only recorded.
    static func start(
        greeting: String? = "220 scripted.test ESMTP", script: @escaping @Sendable (String) -> Action
    ) async throws -> ScriptedServer {
        try await startPerConnection(greeting: { _ in greeting }, script: { _, line in script(line) })
    }

    /// Starts listening on a free loopback port with a script that can tell connections apart.
    /// - Parameters:
    ///   - greeting: The text sent on connect to the connection with the given number (from 0); `nil` for none.
    ///   - script: Maps a connection number and a command line (or the `.` ending DATA) to an action.
    ///   - dataScript: Consulted for each line between a 354 reply and the `.`; `nil` to only record the line.
    static func startPerConnection(
        greeting: @escaping @Sendable (Int) -> String? = { _ in "220 scripted.test ESMTP" },
        script: @escaping @Sendable (Int, String) -> Action,
        dataScript: @escaping @Sendable (Int, String) -> Action? = { _, _ in nil }
    ) async throws -> ScriptedServer {
        let transcript = Transcript()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let connection = transcript.connectionAccepted()
                    try child.pipeline.syncOperations.addHandler(
                        ScriptHandler(
                            connection: connection, greeting: greeting(connection), script: script,
                            dataScript: dataScript, transcript: transcript))
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

/// The lines a `ScriptedServer` received and the connections it accepted, shared between its connections.
private final class Transcript: Sendable {
    /// The guarded lines and connection count.
    private let storage = Mutex<(entries: [ScriptedServer.Entry], connections: Int)>(([], 0))

    /// A copy of the entries so far.
    var entries: [ScriptedServer.Entry] { storage.withLock { $0.entries } }
    /// How many connections have been accepted.
    var connectionCount: Int { storage.withLock { $0.connections } }

    /// Counts a new connection.
    /// - Returns: Its number, from 0.
    func connectionAccepted() -> Int {
        storage.withLock { storage in
            defer { storage.connections += 1 }
            return storage.connections
        }
    }

    /// Appends one entry.
    func append(_ entry: ScriptedServer.Entry) {
        storage.withLock { $0.entries.append(entry) }
    }
}

/// One connection of a `ScriptedServer`: splits lines and plays the script.
private final class ScriptHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// This connection's number.
    private let connection: Int
    /// Sent on connect, if any.
    private let greeting: String?
    /// Decides the answer to each command line.
    private let script: @Sendable (Int, String) -> ScriptedServer.Action
    /// Decides whether to act on a DATA line.
    private let dataScript: @Sendable (Int, String) -> ScriptedServer.Action?
    /// Records every line.
    private let transcript: Transcript
    /// Bytes of an incomplete line.
    private var buffer = ByteBuffer()
    /// Whether we are between a 354 reply and the `.` line.
    private var isReadingData = false
    /// How many reads this connection has had.
    private var reads = 0

    /// Creates the handler for one connection.
    init(
        connection: Int, greeting: String?, script: @escaping @Sendable (Int, String) -> ScriptedServer.Action,
        dataScript: @escaping @Sendable (Int, String) -> ScriptedServer.Action?, transcript: Transcript
    ) {
        self.connection = connection
        self.greeting = greeting
        self.script = script
        self.dataScript = dataScript
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
        defer { reads += 1 }
        while context.channel.isActive, let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")),
            let bytes = buffer.readBytes(length: end - buffer.readerIndex + 1)
        {
            let line = String(decoding: bytes.dropLast(bytes.suffix(2) == [13, 10] ? 2 : 1), as: UTF8.self)
            transcript.append(ScriptedServer.Entry(connection: connection, read: reads, line: line))
            if isReadingData && line != "." {
                if let action = dataScript(connection, line) {
                    perform(action, context: context)
                }
                continue
            }
            isReadingData = false
            perform(script(connection, line), context: context)
        }
    }

    /// Carries out one action.
    private func perform(_ action: ScriptedServer.Action, context: ChannelHandlerContext) {
        switch action {
        case .reply(let text):
            isReadingData = Self.startsData(text)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
        case .replyAndClose(let text):
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n"))).assumeIsolated().whenComplete {
                _ in
                context.close(promise: nil)
            }
        case .replyAtGate(let gate, let text):
            isReadingData = Self.startsData(text)
            let eventLoop = context.eventLoop
            let boundContext = NIOLoopBound(context, eventLoop: eventLoop)
            gate.arrive {
                eventLoop.execute {
                    boundContext.value.writeAndFlush(NIOAny(ByteBuffer(string: text + "\r\n")), promise: nil)
                }
            }
        case .close:
            context.close(promise: nil)
        case .silence:
            break
        }
    }

    /// Whether a reply (possibly several lines) ends with a 354, after which message content follows.
    private static func startsData(_ text: String) -> Bool {
        text.components(separatedBy: "\r\n").last?.hasPrefix("354") == true
    }
}
