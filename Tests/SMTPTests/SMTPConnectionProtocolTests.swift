import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import SMTP

/// Protocol paths against `ScriptedServer`, which needs nothing outside the test process.
@Suite struct SMTPConnectionProtocolTests {
    /// A script that behaves like a well-mannered server announcing `capabilities`.
    static func wellMannered(
        capabilities: [String] = ["PIPELINING", "8BITMIME"],
        overriding override: @escaping @Sendable (String) -> ScriptedServer.Action? = { _ in nil }
    ) -> @Sendable (String) -> ScriptedServer.Action {
        { line in
            if let action = override(line) {
                return action
            }
            let verb = line.prefix(while: { $0 != " " && $0 != ":" }).uppercased()
            switch verb {
            case "EHLO":
                let lines = ["scripted.test greets you"] + capabilities
                let reply = lines.enumerated().map { index, text in
                    (index == lines.count - 1 ? "250 " : "250-") + text
                }
                return .reply(reply.joined(separator: "\r\n"))
            case "HELO", "MAIL", "RCPT", "RSET", "NOOP":
                return .reply("250 2.0.0 OK")
            case "DATA":
                return .reply("354 End data with <CR><LF>.<CR><LF>")
            case ".":
                return .reply("250 2.0.0 Ok: queued as ABC123")
            case "QUIT":
                return .replyAndClose("221 2.0.0 Bye")
            default:
                return .reply("502 5.5.2 Command not recognized")
            }
        }
    }

    /// A plaintext configuration for `server` with short timeouts.
    static func configuration(
        _ server: ScriptedServer, security: SMTPConfiguration.Security = .plain, username: String? = nil,
        password: String? = nil
    ) -> SMTPConfiguration {
        var configuration = SMTPConfiguration(
            host: "127.0.0.1", port: server.port, security: security, username: username, password: password)
        configuration.connectTimeout = .seconds(5)
        configuration.commandTimeout = .seconds(5)
        return configuration
    }

    /// Connects to `configuration` on the shared event loop group.
    static func connect(_ configuration: SMTPConfiguration) async throws(SMTPError) -> SMTPConnection {
        try await SMTPConnection.connect(
            configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "SMTPTests"))
    }

    /// The error `body` throws, or `nil`.
    static func error<E: Error>(
        as type: E.Type, from body: () async throws -> some Any
    ) async -> E? {
        do {
            _ = try await body()
            return nil
        } catch let error as E {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func readsMultiLineEHLOCapabilitiesUppercased() async throws {
        // Given
        let server = try await ScriptedServer.start(
            script: Self.wellMannered(capabilities: ["pipelining", "8BITMIME", "auth plain login"]))

        // When
        let connection = try await Self.connect(Self.configuration(server))
        await connection.close()
        await server.stop()

        // Then
        #expect(connection.capabilities == ["PIPELINING", "8BITMIME", "AUTH PLAIN LOGIN"])
    }

    @Test func sendsTheEnvelopeAndReturnsTheQueueReply() async throws {
        // Given
        let server = try await ScriptedServer.start(script: Self.wellMannered())
        let connection = try await Self.connect(Self.configuration(server))

        // When
        let reply = try await connection.send(
            "Subject: x\r\n\r\nhi\r\n", from: "bounce@example.com", to: ["a@example.org", "b@example.org"])
        await connection.close()
        await server.stop()

        // Then
        #expect(reply == "2.0.0 Ok: queued as ABC123")
        #expect(
            server.receivedLines == [
                "EHLO localhost", "MAIL FROM:<bounce@example.com>", "RCPT TO:<a@example.org>",
                "RCPT TO:<b@example.org>", "DATA", "Subject: x", "", "hi", ".", "QUIT",
            ])
    }

    @Test func dotStuffsTheMessageOnTheWire() async throws {
        // Given
        let server = try await ScriptedServer.start(script: Self.wellMannered())
        let connection = try await Self.connect(Self.configuration(server))

        // When
        _ = try await connection.send("Subject: x\n\n.\n.hidden\nend", from: "a@example.com", to: ["b@example.com"])
        await connection.close()
        await server.stop()

        // Then
        let data = server.receivedLines.drop { $0 != "DATA" }.dropFirst().prefix { $0 != "." }
        #expect(Array(data) == ["Subject: x", "", "..", "..hidden", "end"])
    }

    @Test func asksFor8BitMIMEWhenTheMessageIsNotASCII() async throws {
        // Given
        let server = try await ScriptedServer.start(script: Self.wellMannered(capabilities: ["8BITMIME"]))
        let connection = try await Self.connect(Self.configuration(server))

        // When
        _ = try await connection.send("Subject: x\r\n\r\nGrüße\r\n", from: "a@example.com", to: ["b@example.com"])
        await connection.close()
        await server.stop()

        // Then
        #expect(server.receivedLines.contains("MAIL FROM:<a@example.com> BODY=8BITMIME"))
    }

    @Test func fallsBackToHELOWhenEHLOIsNotUnderstood() async throws {
        // Given
        let server = try await ScriptedServer.start(
            script: Self.wellMannered(overriding: { $0.hasPrefix("EHLO") ? .reply("502 5.5.1 EHLO? never heard") : nil }
            ))

        // When
        let connection = try await Self.connect(Self.configuration(server))
        _ = try await connection.send("Subject: x\r\n\r\nhi\r\n", from: "a@example.com", to: ["b@example.com"])
        await connection.close()
        await server.stop()

        // Then
        #expect(connection.capabilities.isEmpty)
        #expect(server.receivedLines.prefix(2) == ["EHLO localhost", "HELO localhost"])
    }

    @Test func prefersAuthPlain() async throws {
        // Given
        let server = try await ScriptedServer.start(
            script: Self.wellMannered(
                capabilities: ["AUTH LOGIN PLAIN"],
                overriding: { $0.hasPrefix("AUTH PLAIN ") ? .reply("235 2.7.0 Authentication successful") : nil }))

        // When
        let connection = try await Self.connect(Self.configuration(server, username: "mailer", password: "pä55"))
        await connection.close()
        await server.stop()

        // Then
        let token = Data("\0mailer\0pä55".utf8).base64EncodedString()
        #expect(server.receivedLines.contains("AUTH PLAIN \(token)"))
    }

    @Test func usesAuthLoginWhenPlainIsNotOffered() async throws {
        // Given
        let user = Data("mailer".utf8).base64EncodedString()
        let password = Data("secret".utf8).base64EncodedString()
        let server = try await ScriptedServer.start(
            script: Self.wellMannered(
                capabilities: ["AUTH=LOGIN"],
                overriding: { line in
                    switch line {
                    case "AUTH LOGIN": return .reply("334 VXNlcm5hbWU6")
                    case user: return .reply("334 UGFzc3dvcmQ6")
                    case password: return .reply("235 2.7.0 Authentication successful")
                    default: return nil
                    }
                }))

        // When
        let connection = try await Self.connect(Self.configuration(server, username: "mailer", password: "secret"))
        await connection.close()
        await server.stop()

        // Then
        #expect(server.receivedLines.prefix(4) == ["EHLO localhost", "AUTH LOGIN", user, password])
    }

    @Test func refusedCredentialsArePermanent() async throws {
        // Given
        let server = try await ScriptedServer.start(
            script: Self.wellMannered(
                capabilities: ["AUTH PLAIN"],
                overriding: { $0.hasPrefix("AUTH") ? .reply("535 5.7.8 Authentication credentials invalid") : nil }))

        // When
        let error = await Self.error(as: SMTPError.self) {
            try await Self.connect(Self.configuration(server, username: "mailer", password: "wrong"))
        }
        await server.stop()

        // Then
        #expect(error == .permanent(code: 535, message: "5.7.8 Authentication credentials invalid"))
        #expect(error?.isTransient == false)
    }

    @Test func credentialsWithoutPlainOrLoginAreUnsupported() async throws {
        // Given
        let server = try await ScriptedServer.start(script: Self.wellMannered(capabilities: ["AUTH CRAM-MD5"]))

        // When
        let error = await Self.error(as: SMTPError.self) {
            try await Self.connect(Self.configuration(server, username: "mailer", password: "secret"))
        }
        await server.stop()

        // Then
        #expect(error == .authenticationUnsupported)
        #expect(!server.receivedLines.contains { $0.hasPrefix("AUTH") })
    }

    @Test func requiredSTARTTLSThatIsNotOfferedFails() async throws {
        // Given
        let server = try await ScriptedServer.start(script: Self.wellMannered(capabilities: ["AUTH PLAIN"]))

        // When
        let error = await Self.error(as: SMTPError.self) {
            try await Self.connect(Self.configuration(server, security: .startTLS, username: "u", password: "p"))
        }
        await server.stop()

        // Then
        guard case .connectionFailed(let reason) = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("STARTTLS"))
        #expect(!server.receivedLines.contains { $0.hasPrefix("AUTH") })
    }

    @Test(arguments: ["250-partial reply", "250 complete reply"])
    func refusesPlaintextInjectedAfterTheSTARTTLSReply(injected: String) async throws {
        // Given
        let server = try await ScriptedServer.start(
            script: Self.wellMannered(
                capabilities: ["STARTTLS"],
                overriding: { $0 == "STARTTLS" ? .reply("220 2.0.0 Ready to start TLS\r\n\(injected)") : nil }))

        // When
        let error = await Self.error(as: SMTPError.self) {
            try await Self.connect(Self.configuration(server, security: .startTLS))
        }
        await server.stop()

        // Then
        guard case .connectionFailed(let reason) = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("after agreeing to STARTTLS"))
    }

    @Test func aSilentServerTimesOut() async throws {
        // Given
        let server = try await ScriptedServer.start(greeting: nil, script: Self.wellMannered())
        var configuration = Self.configuration(server)
        configuration.commandTimeout = .milliseconds(300)

        // When
        let start = ContinuousClock.now
        let error = await Self.error(as: SMTPError.self) { try await Self.connect(configuration) }
        let elapsed = ContinuousClock.now - start
        await server.stop()

        // Then
        #expect(error == .timeout)
        #expect(error?.isTransient == true)
        // The configured 300 ms applied, not the 60 s default (generous: the whole suite runs in parallel on a few
        // cores, and a timeout firing late under load is not what this test is about).
        #expect(elapsed < .seconds(30))
    }

    @Test func aMalformedReplyFailsTheConnection() async throws {
        // Given
        let server = try await ScriptedServer.start(greeting: "hello, I am not SMTP", script: Self.wellMannered())

        // When
        let error = await Self.error(as: SMTPError.self) { try await Self.connect(Self.configuration(server)) }
        await server.stop()

        // Then
        #expect(error == .connectionFailed("The server sent a malformed reply."))
    }

    @Test func aRefusingGreetingIsReported() async throws {
        // Given
        let server = try await ScriptedServer.start(
            greeting: "554 5.3.2 No service for you", script: Self.wellMannered())

        // When
        let error = await Self.error(as: SMTPError.self) { try await Self.connect(Self.configuration(server)) }
        await server.stop()

        // Then
        #expect(error == .permanent(code: 554, message: "5.3.2 No service for you"))
    }

    @Test func aConnectionRefusedIsAConnectionFailure() async throws {
        // Given
        let port = try await ScriptedServer.closedPort()
        let configuration = SMTPConfiguration(host: "127.0.0.1", port: port, security: .plain)

        // When
        let error = await Self.error(as: SMTPError.self) { try await Self.connect(configuration) }

        // Then
        guard case .connectionFailed = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
        #expect(error?.isTransient == true)
    }

    @Test func resetsAfterARefusedRecipientAndStaysUsable() async throws {
        // Given
        let server = try await ScriptedServer.start(
            script: Self.wellMannered(overriding: { $0.contains("bounce") ? .reply("550 5.1.1 No such user") : nil }))
        let connection = try await Self.connect(Self.configuration(server))

        // When
        let error = await Self.error(as: SMTPError.self) {
            try await connection.send("Subject: x\r\n\r\nhi\r\n", from: "a@example.com", to: ["bounce@example.org"])
        }
        let reply = try await connection.send("Subject: x\r\n\r\nhi\r\n", from: "a@example.com", to: ["ok@example.org"])
        await connection.close()
        await server.stop()

        // Then
        #expect(error == .permanent(code: 550, message: "5.1.1 No such user"))
        #expect(reply.contains("queued"))
        #expect(server.receivedLines.contains("RSET"))
    }

    @Test func a421EndsTheConnection() async throws {
        // Given
        let server = try await ScriptedServer.start(
            script: Self.wellMannered(
                overriding: { $0.hasPrefix("MAIL") ? .replyAndClose("421 4.3.2 Shutting down") : nil }))
        let connection = try await Self.connect(Self.configuration(server))

        // When
        let first = await Self.error(as: SMTPError.self) {
            try await connection.send("Subject: x\r\n\r\nhi\r\n", from: "a@example.com", to: ["b@example.org"])
        }
        let second = await Self.error(as: SMTPError.self) {
            try await connection.send("Subject: x\r\n\r\nhi\r\n", from: "a@example.com", to: ["b@example.org"])
        }
        await connection.close()
        await server.stop()

        // Then
        #expect(first == .transient(code: 421, message: "4.3.2 Shutting down"))
        #expect(second == .connectionFailed("The connection is closed."))
        #expect(!server.receivedLines.contains("RSET"))
    }

    @Test func refusesEnvelopeAddressesThatWouldInjectCommands() async throws {
        // Given
        let server = try await ScriptedServer.start(script: Self.wellMannered())
        let connection = try await Self.connect(Self.configuration(server))

        // When
        let error = await Self.error(as: MailError.self) {
            try await connection.send(
                "Subject: x\r\n\r\nhi\r\n", from: "a@example.com", to: ["b@example.org>\r\nRCPT TO:<c@example.org"])
        }
        await connection.close()
        await server.stop()

        // Then
        #expect(error == .headerInjection(field: "envelope recipient"))
        #expect(!server.receivedLines.contains { $0.hasPrefix("MAIL") || $0.hasPrefix("RCPT") })
    }

    @Test func concurrentSendsTakeTurns() async throws {
        // Given
        let server = try await ScriptedServer.start(script: Self.wellMannered())
        let connection = try await Self.connect(Self.configuration(server))

        // When
        try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<4 {
                group.addTask {
                    try await connection.send(
                        "Subject: \(index)\r\n\r\nhi\r\n", from: "a@example.com", to: ["r\(index)@example.org"])
                }
            }
            try await group.waitForAll()
        }
        await connection.close()
        await server.stop()

        // Then
        let commands = server.receivedLines.filter { $0.hasPrefix("MAIL") || $0.hasPrefix("RCPT") || $0 == "." }
        #expect(commands.count == 12)
        for transaction in stride(from: 0, to: commands.count, by: 3) {
            #expect(commands[transaction].hasPrefix("MAIL"))
            #expect(commands[transaction + 1].hasPrefix("RCPT"))
            #expect(commands[transaction + 2] == ".")
        }
    }

    @Test func closeSaysQuitOnceAndLaterSendsFail() async throws {
        // Given
        let server = try await ScriptedServer.start(script: Self.wellMannered())
        let connection = try await Self.connect(Self.configuration(server))

        // When
        await connection.close()
        await connection.close()
        let error = await Self.error(as: SMTPError.self) {
            try await connection.send("Subject: x\r\n\r\nhi\r\n", from: "a@example.com", to: ["b@example.org"])
        }
        await server.stop()

        // Then
        #expect(server.receivedLines.filter { $0 == "QUIT" }.count == 1)
        #expect(error == .connectionFailed("The connection is closed."))
    }

    @Test func classifiesErrorsForRetry() {
        // Given
        let retryable: [SMTPError] = [.transient(code: 451, message: ""), .connectionFailed("x"), .timeout]
        let final: [SMTPError] = [.permanent(code: 550, message: ""), .authenticationUnsupported]

        // When / Then
        #expect(retryable.allSatisfy { $0.isTransient })
        #expect(!final.contains { $0.isTransient })
    }
}
