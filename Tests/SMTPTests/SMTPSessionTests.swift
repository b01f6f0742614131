import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import SMTP

/// `SMTPSession`: a sender's own connection, with each message's envelope written ahead with the previous
/// message's end, against `ScriptedServer`.
@Suite struct SMTPSessionTests {
    static func message(_ text: String) -> WireMessage {
        WireMessage("Subject: \(text)\r\n\r\n\(text)\r\n")
    }

    /// The lines of each connection, by connection number.
    static func lines(_ server: ScriptedServer, connection: Int) -> [String] {
        server.entries.filter { $0.connection == connection }.map(\.line)
    }

    /// A session on a well-mannered server that sent message "one" and announced message "two" (to
    /// c@example.org).
    static func announcingTwo() async throws -> (ScriptedServer, SMTPPool, SMTPSession) {
        let server = try await ScriptedServer.start(script: SMTPConnectionProtocolTests.wellMannered())
        let pool = SMTPPoolTests.pool(server)
        let session = pool.session(preferring: nil)
        _ = try await session.send(
            message("one"), from: "a@example.com", to: ["b@example.org"],
            then: (message("two"), "a@example.com", ["c@example.org"]))
        return (server, pool, session)
    }

    @Test func theNextEnvelopeGoesOutWithTheEndOfTheMessage() async throws {
        // Given
        let server = try await ScriptedServer.start(script: SMTPConnectionProtocolTests.wellMannered())
        let pool = SMTPPoolTests.pool(server)
        let session = pool.session(preferring: nil)
        let (first, second) = (Self.message("one"), Self.message("two"))

        // When
        _ = try await session.send(
            first, from: "a@example.com", to: ["b@example.org"], then: (second, "a@example.com", ["c@example.org"]))
        _ = try await session.send(second, from: "a@example.com", to: ["c@example.org"], then: nil)
        await session.finish()
        await pool.shutdown()
        await server.stop()

        // Then: the second envelope arrived in the same read as the first message's dot, and both were delivered
        // on one connection.
        #expect(
            Self.lines(server, connection: 0).drop { !$0.hasPrefix("MAIL") }.map { $0 } == [
                "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.org>", "DATA", "Subject: one", "", "one", ".",
                "MAIL FROM:<a@example.com>", "RCPT TO:<c@example.org>", "DATA", "Subject: two", "", "two", ".", "QUIT",
            ])
        let entries = server.entries
        let dot = try #require(entries.first { $0.line == "." })
        let secondMail = try #require(entries.last { $0.line.hasPrefix("MAIL") })
        #expect(dot.read == secondMail.read)
        #expect(server.connectionCount == 1)
    }

    @Test func anAnnouncedMessageThatNeverComesClosesTheConnectionWithoutDelivering() async throws {
        // Given: the second message's envelope went out (and DATA was accepted), but it is never sent.
        let (server, pool, session) = try await Self.announcingTwo()

        // When
        await session.finish()
        // The pool has room for a new connection, and it works.
        _ = try await pool.send("Subject: three\r\n\r\nthree\r\n", from: "a@example.com", to: ["d@example.org"])
        await pool.shutdown()
        await server.stop()

        // Then: no QUIT (the server would take it for content) and no second dot on the first connection.
        let first = Self.lines(server, connection: 0)
        #expect(first.filter { $0 == "." }.count == 1)
        #expect(!first.contains("QUIT"))
        #expect(first.last == "DATA")
        #expect(Self.lines(server, connection: 1).contains("three"))
    }

    @Test func aRefusedMessageWithAnAnnouncedNextOneMovesToANewConnection() async throws {
        // Given: the relay refuses the first message at its end; the second one's envelope already went out.
        let server = try await ScriptedServer.startPerConnection(script: { connection, line in
            if connection == 0 && line == "." {
                return .reply("554 5.7.1 Rejected")
            }
            return SMTPConnectionProtocolTests.wellMannered()(line)
        })
        let pool = SMTPPoolTests.pool(server)
        let session = pool.session(preferring: nil)
        let second = Self.message("two")

        // When
        let error = await SMTPPoolTests.smtpError {
            try await session.send(
                Self.message("one"), from: "a@example.com", to: ["b@example.org"],
                then: (second, "a@example.com", ["c@example.org"]))
        }
        _ = try await session.send(second, from: "a@example.com", to: ["c@example.org"], then: nil)
        await session.finish()
        await pool.shutdown()
        await server.stop()

        // Then: the refusal is reported; no RSET went after the announced DATA; the second message went out whole
        // on a new connection.
        #expect(error == .permanent(code: 554, message: "5.7.1 Rejected"))
        let first = Self.lines(server, connection: 0)
        #expect(!first.contains("RSET"))
        #expect(!first.contains("two"))
        let next = Self.lines(server, connection: 1)
        #expect(next.contains("RCPT TO:<c@example.org>"))
        #expect(next.contains("two"))
        #expect(next.filter { $0 == "." }.count == 1)
    }

    @Test func aDifferentMessageThanTheAnnouncedOneGoesOnANewConnection() async throws {
        // Given
        let (server, pool, session) = try await Self.announcingTwo()

        // When: another message comes instead.
        _ = try await session.send(Self.message("other"), from: "a@example.com", to: ["x@example.org"], then: nil)
        await session.finish()
        await pool.shutdown()
        await server.stop()

        // Then: it goes out on a new connection; the first one is closed without QUIT and delivers nothing more.
        let first = Self.lines(server, connection: 0)
        #expect(!first.contains("other"))
        #expect(!first.contains("QUIT"))
        #expect(first.filter { $0 == "." }.count == 1)
        #expect(Self.lines(server, connection: 1).contains("other"))
    }

    @Test func theLastMessageAConnectionMayCarryAnnouncesNothing() async throws {
        // Given: connections carry two messages each.
        let server = try await ScriptedServer.start(script: SMTPConnectionProtocolTests.wellMannered())
        let pool = SMTPPoolTests.pool(server, maxMessagesPerConnection: 2)
        let session = pool.session(preferring: nil)
        let messages = (0..<3).map { Self.message("m\($0)") }

        // When
        for index in messages.indices {
            let next =
                index + 1 < messages.count ? (messages[index + 1], "a@example.com", ["r\(index + 1)@example.org"]) : nil
            _ = try await session.send(
                messages[index], from: "a@example.com", to: ["r\(index)@example.org"], then: next)
        }
        await session.finish()
        await pool.shutdown()
        await server.stop()

        // Then: two messages and a clean QUIT on the first connection, the third on the second.
        let first = Self.lines(server, connection: 0)
        #expect(first.filter { $0 == "." }.count == 2)
        #expect(first.last == "QUIT")
        #expect(Self.lines(server, connection: 1).contains("m2"))
    }
}
