import Logging
import NIOCore
import NIOPosix
import Testing

@testable import SMTP

/// `SMTPPool` against `ScriptedServer`: concurrency, replacement of failed connections, fault injection.
@Suite struct SMTPPoolTests {
    /// A short message.
    static let message = "Subject: x\r\n\r\nhi\r\n"

    /// A pool for `server` with short timeouts.
    static func pool(_ server: ScriptedServer, size: Int = 1, maxMessagesPerConnection: Int = 10_000) -> SMTPPool {
        SMTPPool(
            configuration: SMTPConnectionProtocolTests.configuration(server), size: size,
            maxMessagesPerConnection: maxMessagesPerConnection, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "SMTPPoolTests"))
    }

    /// The `SMTPError` thrown by `body`, or `nil`.
    static func smtpError(_ body: () async throws -> some Any) async -> SMTPError? {
        await SMTPConnectionProtocolTests.error(as: SMTPError.self, from: body)
    }

    @Test func aRefusingGreetingFailsTheSendAndTheNextSendConnectsAgain() async throws {
        // Given
        let server = try await ScriptedServer.startPerConnection(
            greeting: { $0 == 0 ? "421 4.3.2 Service not available" : "220 scripted.test ESMTP" },
            script: EnvelopeTally.realisticScript())
        let pool = Self.pool(server)

        // When
        let error = await Self.smtpError {
            try await pool.send(Self.message, from: "a@example.com", to: ["b@example.org"])
        }
        let reply = try await pool.send(Self.message, from: "a@example.com", to: ["b@example.org"])
        await pool.shutdown()
        await server.stop()

        // Then
        #expect(error == .transient(code: 421, message: "4.3.2 Service not available"))
        #expect(reply.contains("queued"))
        #expect(server.connectionCount == 2)
    }

    @Test func a421InTheMiddleOfTheSessionReplacesTheConnection() async throws {
        // Given: the first connection takes one message, then closes with 421 at the next MAIL.
        let mails = Counter()
        let script = EnvelopeTally.realisticScript()
        let server = try await ScriptedServer.startPerConnection(
            script: { connection, line in
                if connection == 0, line.hasPrefix("MAIL"), mails.increment() == 2 {
                    return .replyAndClose("421 4.4.2 Timeout exceeded")
                }
                return script(connection, line)
            })
        let pool = Self.pool(server)

        // When
        let first = try await pool.send(Self.message, from: "a@example.com", to: ["b@example.org"])
        let error = await Self.smtpError {
            try await pool.send(Self.message, from: "a@example.com", to: ["b@example.org"])
        }
        let third = try await pool.send(Self.message, from: "a@example.com", to: ["b@example.org"])
        await pool.shutdown()
        await server.stop()

        // Then
        #expect(first.contains("queued"))
        #expect(error == .transient(code: 421, message: "4.4.2 Timeout exceeded"))
        #expect(error?.isTransient == true)
        #expect(third.contains("queued"))
        #expect(server.connectionCount == 2)
        #expect(!server.receivedLines.contains("RSET"))
    }

    @Test func a451OnARecipientIsTransientAndTheConnectionIsReused() async throws {
        // Given
        let server = try await ScriptedServer.startPerConnection(
            script: EnvelopeTally.realisticScript(refusing: {
                $0.contains("tempfail") ? "451 4.3.0 Try again later" : nil
            }))
        let pool = Self.pool(server)

        // When
        let error = await Self.smtpError {
            try await pool.send(Self.message, from: "a@example.com", to: ["tempfail@example.org"])
        }
        let reply = try await pool.send(Self.message, from: "a@example.com", to: ["ok@example.org"])
        await pool.shutdown()
        await server.stop()

        // Then
        #expect(error == .transient(code: 451, message: "4.3.0 Try again later"))
        #expect(reply.contains("queued"))
        #expect(server.receivedLines.contains("RSET"))
        #expect(server.connectionCount == 1)
    }

    @Test func a550OnARecipientIsPermanentAndTheConnectionIsReused() async throws {
        // Given
        let server = try await ScriptedServer.startPerConnection(
            script: EnvelopeTally.realisticScript(refusing: { $0.contains("bounce") ? "550 5.1.1 No such user" : nil }))
        let pool = Self.pool(server)

        // When
        let error = await Self.smtpError {
            try await pool.send(Self.message, from: "a@example.com", to: ["bounce@example.org"])
        }
        let reply = try await pool.send(Self.message, from: "a@example.com", to: ["ok@example.org"])
        await pool.shutdown()
        await server.stop()

        // Then
        #expect(error == .permanent(code: 550, message: "5.1.1 No such user"))
        #expect(error?.isTransient == false)
        #expect(reply.contains("queued"))
        #expect(server.receivedLines.contains("RSET"))
        #expect(server.connectionCount == 1)
    }

    @Test func aConnectionDroppedInTheMiddleOfDataFailsAndTheNextSendOpensANewOne() async throws {
        // Given: the first connection hangs up after the first line of message content, before the ".".
        let server = try await ScriptedServer.startPerConnection(
            script: EnvelopeTally.realisticScript(),
            dataScript: { connection, _ in connection == 0 ? .close : nil })
        let pool = Self.pool(server)

        // When
        let error = await Self.smtpError {
            try await pool.send(Self.message, from: "a@example.com", to: ["b@example.org"])
        }
        let reply = try await pool.send(Self.message, from: "a@example.com", to: ["b@example.org"])
        await pool.shutdown()
        await server.stop()

        // Then
        guard case .connectionFailed = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
        #expect(reply.contains("queued"))
        #expect(server.connectionCount == 2)
        #expect(server.entries.filter { $0.connection == 0 && $0.line == "." }.isEmpty)
    }

    @Test func sizeSendersRunInParallel() async throws {
        // Given: the end of DATA is only answered once three messages are in flight at the same time.
        let inFlight = Gate(count: 3)
        let server = try await ScriptedServer.start(
            script: SMTPConnectionProtocolTests.wellMannered(overriding: {
                $0 == "." ? .replyAtGate(inFlight, "250 2.0.0 Ok: queued") : nil
            }))
        let pool = Self.pool(server, size: 3)

        // When
        let replies = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<3 {
                group.addTask {
                    try await pool.send(Self.message, from: "a@example.com", to: ["r\(index)@example.org"])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        await pool.shutdown()
        await server.stop()

        // Then
        #expect(replies.count == 3)
        #expect(server.connectionCount == 3)
    }

    @Test func neverOpensMoreThanSizeConnections() async throws {
        // Given
        let server = try await ScriptedServer.start(script: SMTPConnectionProtocolTests.wellMannered())
        let pool = Self.pool(server, size: 2)

        // When
        let replies = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<12 {
                group.addTask {
                    try await pool.send(Self.message, from: "a@example.com", to: ["r\(index)@example.org"])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        await pool.shutdown()
        await server.stop()

        // Then
        #expect(replies.count == 12)
        #expect((1...2).contains(server.connectionCount))
        #expect(server.receivedLines.filter { $0 == "." }.count == 12)
    }

    @Test func aConnectionIsReplacedAfterItsMessageAllowance() async throws {
        // Given
        let server = try await ScriptedServer.start(script: SMTPConnectionProtocolTests.wellMannered())
        let pool = Self.pool(server, size: 1, maxMessagesPerConnection: 2)

        // When
        for index in 0..<5 {
            _ = try await pool.send(Self.message, from: "a@example.com", to: ["r\(index)@example.org"])
        }
        await pool.shutdown()
        await server.stop()

        // Then
        #expect(server.connectionCount == 3)
        #expect(server.entries.filter { $0.line == "QUIT" }.map(\.connection) == [0, 1, 2])
    }

    @Test func shutdownQuitsEveryConnectionAndLaterSendsFail() async throws {
        // Given
        let inFlight = Gate(count: 2)
        let server = try await ScriptedServer.start(
            script: SMTPConnectionProtocolTests.wellMannered(overriding: {
                $0 == "." ? .replyAtGate(inFlight, "250 2.0.0 Ok: queued") : nil
            }))
        let pool = Self.pool(server, size: 2)
        try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<2 {
                group.addTask {
                    try await pool.send(Self.message, from: "a@example.com", to: ["r\(index)@example.org"])
                }
            }
            try await group.waitForAll()
        }

        // When
        await pool.shutdown()
        let error = await Self.smtpError {
            try await pool.send(Self.message, from: "a@example.com", to: ["b@example.org"])
        }
        await server.stop()

        // Then
        #expect(Set(server.entries.filter { $0.line == "QUIT" }.map(\.connection)) == [0, 1])
        #expect(error == .connectionFailed("The connection pool is shut down."))
        #expect(server.connectionCount == 2)
    }

    @Test func aSenderWaitingForAConnectionCanBeCancelled() async throws {
        // Given: one connection, busy until the test opens the gate.
        let release = Gate(count: 2)
        let server = try await ScriptedServer.start(
            script: SMTPConnectionProtocolTests.wellMannered(overriding: {
                $0 == "." ? .replyAtGate(release, "250 2.0.0 Ok: queued") : nil
            }))
        let pool = Self.pool(server, size: 1)
        let busy = Task { try await pool.send(Self.message, from: "a@example.com", to: ["a@example.org"]) }
        while !server.receivedLines.contains(".") {
            try await Task.sleep(for: .milliseconds(10))
        }
        let waiting = Task { try await pool.send(Self.message, from: "a@example.com", to: ["b@example.org"]) }
        // Most likely queued by then; if not, it finds itself cancelled before queueing, which must fail the same.
        try await Task.sleep(for: .milliseconds(50))

        // When
        waiting.cancel()
        let result = await waiting.result
        release.arrive {}
        let reply = try await busy.value
        await pool.shutdown()
        await server.stop()

        // Then
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(reply.contains("queued"))
        #expect(!server.receivedLines.contains("RCPT TO:<b@example.org>"))
    }
}
