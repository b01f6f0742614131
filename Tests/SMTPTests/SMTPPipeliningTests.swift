import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import SMTP

/// PIPELINING (RFC 2920) in `SMTPConnection.send`, against `ScriptedServer`.
@Suite struct SMTPPipeliningTests {
    /// A short message.
    static let message = "Subject: x\r\n\r\nhi\r\n"

    /// Connects to `server` with short timeouts.
    static func connect(_ server: ScriptedServer) async throws -> SMTPConnection {
        try await SMTPConnectionProtocolTests.connect(SMTPConnectionProtocolTests.configuration(server))
    }

    /// The `SMTPError` thrown by `body`, or `nil`.
    static func smtpError(_ body: () async throws -> some Any) async -> SMTPError? {
        await SMTPConnectionProtocolTests.error(as: SMTPError.self, from: body)
    }

    /// The lines the server received after the first `DATA` command up to the end of the transcript.
    static func linesAfterData(_ server: ScriptedServer) -> [String] {
        Array(server.receivedLines.drop { $0 != "DATA" }.dropFirst())
    }

    @Test func writesMailRecipientsAndDataAsOneGroup() async throws {
        // Given: a server that answers nothing until DATA has arrived, which a lock-step client never sends.
        let server = try await ScriptedServer.start(
            script: SMTPConnectionProtocolTests.wellMannered(overriding: { line in
                if line.hasPrefix("MAIL") || line.hasPrefix("RCPT") {
                    return .silence
                }
                return line == "DATA" ? .reply("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 Go ahead") : nil
            }))
        let connection = try await Self.connect(server)

        // When
        let reply = try await connection.send(
            Self.message, from: "a@example.com", to: ["b@example.org", "c@example.org"])
        await connection.close()
        await server.stop()

        // Then
        #expect(reply == "2.0.0 Ok: queued as ABC123")
        let group = server.entries.filter { ["MAIL", "RCPT", "DATA"].contains($0.line.prefix(4)) }
        #expect(
            group.map(\.line) == [
                "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.org>", "RCPT TO:<c@example.org>", "DATA",
            ])
        #expect(Set(group.map(\.read)).count == 1)
    }

    @Test func waitsForEachReplyWithoutPipelining() async throws {
        // Given
        let server = try await ScriptedServer.start(
            script: SMTPConnectionProtocolTests.wellMannered(capabilities: ["8BITMIME"]))
        let connection = try await Self.connect(server)

        // When
        _ = try await connection.send(Self.message, from: "a@example.com", to: ["b@example.org", "c@example.org"])
        await connection.close()
        await server.stop()

        // Then
        let group = server.entries.filter { ["MAIL", "RCPT", "DATA"].contains($0.line.prefix(4)) }
        #expect(group.count == 4)
        #expect(Set(group.map(\.read)).count == 4)
    }

    @Test func aRefusedRecipientFailsTheMessageAndTheConnectionIsReset() async throws {
        // Given: a server that refuses DATA when no recipient was accepted, as real servers do.
        let server = try await ScriptedServer.startPerConnection(
            script: EnvelopeTally.realisticScript(refusing: { $0.contains("bounce") ? "550 5.1.1 No such user" : nil }))
        let connection = try await Self.connect(server)

        // When
        let error = await Self.smtpError {
            try await connection.send(Self.message, from: "a@example.com", to: ["bounce@example.org"])
        }
        let reply = try await connection.send(Self.message, from: "a@example.com", to: ["ok@example.org"])
        await connection.close()
        await server.stop()

        // Then
        #expect(error == .permanent(code: 550, message: "5.1.1 No such user"))
        #expect(reply.contains("queued"))
        #expect(Self.linesAfterData(server).prefix(2) == ["RSET", "MAIL FROM:<a@example.com>"])
        #expect(server.connectionCount == 1)
    }

    @Test func dataAcceptedAfterTheOnlyRecipientWasRefusedIsEndedWithALoneDot() async throws {
        // Given: a server that answers DATA with 354 although it refused the only recipient.
        let server = try await ScriptedServer.start(
            script: SMTPConnectionProtocolTests.wellMannered(overriding: {
                $0.contains("bounce") ? .reply("550 5.1.1 No such user") : nil
            }))
        let connection = try await Self.connect(server)

        // When
        let error = await Self.smtpError {
            try await connection.send(Self.message, from: "a@example.com", to: ["bounce@example.org"])
        }
        let reply = try await connection.send(Self.message, from: "a@example.com", to: ["ok@example.org"])
        await connection.close()
        await server.stop()

        // Then
        #expect(error == .permanent(code: 550, message: "5.1.1 No such user"))
        #expect(Self.linesAfterData(server).prefix(3) == [".", "RSET", "MAIL FROM:<a@example.com>"])
        #expect(reply.contains("queued"))
    }

    @Test func dataAcceptedAfterAPartlyRefusedEnvelopeClosesTheConnectionWithoutDelivering() async throws {
        // Given: one recipient accepted, one refused, DATA answered 354; a "." would deliver an empty message.
        let server = try await ScriptedServer.start(
            script: SMTPConnectionProtocolTests.wellMannered(overriding: {
                $0.contains("bounce") ? .reply("550 5.1.1 No such user") : nil
            }))
        let connection = try await Self.connect(server)

        // When
        let first = await Self.smtpError {
            try await connection.send(
                Self.message, from: "a@example.com", to: ["ok@example.org", "bounce@example.org"])
        }
        let second = await Self.smtpError {
            try await connection.send(Self.message, from: "a@example.com", to: ["ok@example.org"])
        }
        await connection.close()
        await server.stop()

        // Then
        #expect(first == .permanent(code: 550, message: "5.1.1 No such user"))
        #expect(second == .connectionFailed("The connection is closed."))
        #expect(Self.linesAfterData(server).isEmpty)
        #expect(!connection.isUsable)
    }

    @Test func a421InsideTheGroupIsReportedRatherThanTheDroppedConnection() async throws {
        // Given
        let server = try await ScriptedServer.start(
            script: SMTPConnectionProtocolTests.wellMannered(overriding: {
                $0.hasPrefix("RCPT") ? .replyAndClose("421 4.7.0 Too many errors") : nil
            }))
        let connection = try await Self.connect(server)

        // When
        let error = await Self.smtpError {
            try await connection.send(Self.message, from: "a@example.com", to: ["b@example.org"])
        }
        await connection.close()
        await server.stop()

        // Then
        #expect(error == .transient(code: 421, message: "4.7.0 Too many errors"))
        #expect(!server.receivedLines.contains("RSET"))
        #expect(!connection.isUsable)
    }

    @Test func aMessageInWireFormIsSentFromTheBuffer() async throws {
        // Given
        let server = try await ScriptedServer.start(script: SMTPConnectionProtocolTests.wellMannered())
        let connection = try await Self.connect(server)

        // When
        let reply = try await connection.send(
            ByteBuffer(string: "Subject: wire\r\n\r\nready\r\n"), from: "a@example.com", to: ["b@example.org"])
        _ = try await connection.send(
            ByteBuffer(string: "Subject: raw\n\n.dot\nend"), from: "a@example.com", to: ["b@example.org"])
        await connection.close()
        await server.stop()

        // Then
        #expect(reply.contains("queued"))
        let data = server.receivedLines.filter { !["MAIL", "RCPT", "DATA", "EHLO", "QUIT"].contains($0.prefix(4)) }
        #expect(data == ["Subject: wire", "", "ready", ".", "Subject: raw", "", "..dot", "end", "."])
    }

    @Test func asksFor8BitMIMEForANonASCIIBuffer() async throws {
        // Given
        let server = try await ScriptedServer.start(script: SMTPConnectionProtocolTests.wellMannered())
        let connection = try await Self.connect(server)

        // When
        _ = try await connection.send(
            ByteBuffer(string: "Subject: x\r\n\r\nGrüße\r\n"), from: "a@example.com", to: ["b@example.org"])
        await connection.close()
        await server.stop()

        // Then
        #expect(server.receivedLines.contains("MAIL FROM:<a@example.com> BODY=8BITMIME"))
    }
}
