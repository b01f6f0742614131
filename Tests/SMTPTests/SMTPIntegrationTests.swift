import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Testing

@testable import SMTP

/// End-to-end tests against a real SMTP server on loopback: aiosmtpd via scripts/smtp_sink.py.
@Suite(
    .enabled(
        if: SinkEnvironment.isConfigured,
        "Set STEWARD_TEST_SMTP_PORT and STEWARD_TEST_SMTP_MAILDIR to a running scripts/smtp_sink.py"))
struct SMTPIntegrationTests {
    /// The logger handed to the library.
    static let logger = Logger(label: "SMTPIntegrationTests")

    /// A multipart message to `recipient`, non-ASCII in the subject, names and bodies.
    static func message(to recipient: String, subject: String = "Grüße – integration test") throws -> MailMessage {
        MailMessage(
            from: try MailAddress("steward@example.com", name: "Stéward"),
            to: [try MailAddress(recipient, name: "Tëst Recipient")],
            subject: subject,
            textBody: "Hello,\n.a line starting with a dot\n.\nprice = 5 €\n",
            htmlBody: "<p>Hello, price = 5 €</p>\n",
            extraHeaders: [("List-Unsubscribe", "<mailto:unsubscribe@example.com>")])
    }

    /// Connects to the sink's main port.
    static func connect(_ configuration: SMTPConfiguration = SinkEnvironment.configuration()) async throws
        -> SMTPConnection
    {
        try await SMTPConnection.connect(
            configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
    }

    /// The `SMTPError` thrown by `body`, or `nil`.
    static func smtpError(_ body: () async throws -> some Any) async -> SMTPError? {
        do {
            _ = try await body()
            return nil
        } catch let error as SMTPError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func aMultipartMessageArrivesIntact() async throws {
        // Given
        let recipient = SinkEnvironment.uniqueRecipient()
        let message = try Self.message(to: recipient)
        let client = SMTPClient(
            configuration: SinkEnvironment.configuration(), eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: Self.logger)

        // When
        try await client.send(message)
        let delivery = try #require(try await SinkEnvironment.delivery(to: recipient))

        // Then
        #expect(delivery.message == (try message.render()))
        #expect(delivery.mailFrom == "steward@example.com")
        #expect(delivery.recipients == [recipient])
        let entity = MIMEDecoding.entity(delivery.message)
        #expect(MIMEDecoding.headerText(entity.header("Subject") ?? "") == "Grüße – integration test")
        #expect(entity.header("Message-ID") == "<\(message.messageID)>")
        let contentType = try #require(entity.header("Content-Type"))
        let boundary = try #require(contentType.components(separatedBy: "boundary=\"").last?.dropLast())
        let parts = try #require(MIMEDecoding.parts(of: entity.body, boundary: String(boundary)))
        #expect(parts.count == 2)
        #expect(
            parts.first.flatMap { MIMEDecoding.quotedPrintable($0.body) }
                == "Hello,\r\n.a line starting with a dot\r\n.\r\nprice = 5 €\r\n")
        #expect(parts.last.flatMap { MIMEDecoding.quotedPrintable($0.body) } == "<p>Hello, price = 5 €</p>\r\n")
    }

    @Test func twoMessagesShareOneConnection() async throws {
        // Given
        let recipients = [SinkEnvironment.uniqueRecipient(), SinkEnvironment.uniqueRecipient()]
        let connection = try await Self.connect()

        // When
        var replies: [String] = []
        for recipient in recipients {
            let raw = try Self.message(to: recipient, subject: "one of two").render()
            replies.append(try await connection.send(raw, from: "steward@example.com", to: [recipient]))
        }
        await connection.close()

        // Then
        #expect(replies.allSatisfy { $0.hasPrefix("OK queued as ") })
        #expect(Set(replies).count == 2)
        for recipient in recipients {
            #expect(try await SinkEnvironment.delivery(to: recipient) != nil)
        }
    }

    @Test func oneMessageReachesSeveralRecipients() async throws {
        // Given
        let recipients = [SinkEnvironment.uniqueRecipient(), SinkEnvironment.uniqueRecipient()]
        let connection = try await Self.connect()

        // When
        _ = try await connection.send("Subject: both\r\n\r\nhi\r\n", from: "", to: recipients)
        await connection.close()
        let delivery = try #require(try await SinkEnvironment.delivery(to: recipients[0]))

        // Then
        #expect(delivery.recipients == recipients)
        #expect(delivery.mailFrom == "<>")
    }

    @Test(.enabled(if: SinkEnvironment.credentials != nil, "Set STEWARD_TEST_SMTP_AUTH to the sink's --auth user:pass"))
    func authenticatesWithAuthPlain() async throws {
        // Given
        var configuration = SinkEnvironment.configuration()
        configuration.username = SinkEnvironment.credentials?.user
        configuration.password = SinkEnvironment.credentials?.password
        let recipient = SinkEnvironment.uniqueRecipient()

        // When
        let connection = try await Self.connect(configuration)
        _ = try await connection.send("Subject: auth\r\n\r\nhi\r\n", from: "steward@example.com", to: [recipient])
        await connection.close()

        // Then
        #expect(connection.capabilities.contains { $0.hasPrefix("AUTH ") && $0.contains("PLAIN") })
        #expect(try await SinkEnvironment.delivery(to: recipient) != nil)
    }

    @Test(.enabled(if: SinkEnvironment.credentials != nil, "Set STEWARD_TEST_SMTP_AUTH to the sink's --auth user:pass"))
    func aWrongPasswordIsAPermanentFailure() async throws {
        // Given
        var configuration = SinkEnvironment.configuration()
        configuration.username = SinkEnvironment.credentials?.user
        configuration.password = "not-the-password"

        // When
        let error = await Self.smtpError { try await Self.connect(configuration) }

        // Then
        guard case .permanent(535, _) = error else {
            Issue.record("expected a 535, got \(String(describing: error))")
            return
        }
    }

    @Test func a451OnRecipientIsTransientAndTheConnectionStaysUsable() async throws {
        // Given
        let refused = SinkEnvironment.uniqueRecipient("tempfail")
        let accepted = SinkEnvironment.uniqueRecipient()
        let connection = try await Self.connect()

        // When
        let error = await Self.smtpError {
            try await connection.send("Subject: x\r\n\r\nhi\r\n", from: "steward@example.com", to: [refused])
        }
        _ = try await connection.send("Subject: y\r\n\r\nhi\r\n", from: "steward@example.com", to: [accepted])
        await connection.close()

        // Then
        guard case .transient(451, _) = error else {
            Issue.record("expected a 451, got \(String(describing: error))")
            return
        }
        #expect(error?.isTransient == true)
        #expect(try await SinkEnvironment.delivery(to: accepted) != nil)
    }

    @Test func a550OnRecipientIsPermanent() async throws {
        // Given
        let refused = SinkEnvironment.uniqueRecipient("bounce")
        let accepted = SinkEnvironment.uniqueRecipient()
        let client = SMTPClient(
            configuration: SinkEnvironment.configuration(), eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: Self.logger)
        var message = try Self.message(to: accepted)
        message.to.append(try MailAddress(refused))

        // When
        let error = await Self.smtpError { try await client.send(message) }

        // Then
        guard case .permanent(550, _) = error else {
            Issue.record("expected a 550, got \(String(describing: error))")
            return
        }
        #expect(error?.isTransient == false)
        #expect(try await SinkEnvironment.delivery(to: accepted, within: .milliseconds(500)) == nil)
    }

    @Test func aClosedPortIsAConnectionFailure() async throws {
        // Given
        let port = try await ScriptedServer.closedPort()

        // When
        let error = await Self.smtpError { try await Self.connect(SinkEnvironment.configuration(port: port)) }

        // Then
        guard case .connectionFailed = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
    }

    @Test(
        .enabled(
            if: SinkEnvironment.hasTLS,
            "Set STEWARD_TEST_SMTP_STARTTLS_PORT, STEWARD_TEST_SMTP_SMTPS_PORT and STEWARD_TEST_SMTP_TLS_CERT"),
        arguments: ["127.0.0.1", "localhost"])
    func sendsOverSTARTTLS(host: String) async throws {
        // Given
        var configuration = SinkEnvironment.configuration(
            host: host, port: SinkEnvironment.startTLSPort, security: .startTLS)
        configuration.tlsConfiguration = try SinkEnvironment.trustingSinkCertificate()
        let recipient = SinkEnvironment.uniqueRecipient()

        // When
        let connection = try await Self.connect(configuration)
        _ = try await connection.send("Subject: tls\r\n\r\nhi\r\n", from: "steward@example.com", to: [recipient])
        await connection.close()

        // Then: the sink requires STARTTLS before MAIL, and only announces STARTTLS before it.
        #expect(!connection.capabilities.contains("STARTTLS"))
        #expect(!connection.capabilities.isEmpty)
        #expect(try await SinkEnvironment.delivery(to: recipient) != nil)
    }

    @Test(
        .enabled(
            if: SinkEnvironment.hasTLS,
            "Set STEWARD_TEST_SMTP_STARTTLS_PORT, STEWARD_TEST_SMTP_SMTPS_PORT and STEWARD_TEST_SMTP_TLS_CERT"))
    func refusesAnUntrustedCertificateOnSTARTTLS() async throws {
        // Given: the default trust roots, which do not include the sink's self-signed certificate.
        let configuration = SinkEnvironment.configuration(port: SinkEnvironment.startTLSPort, security: .startTLS)

        // When
        let error = await Self.smtpError { try await Self.connect(configuration) }

        // Then
        guard case .connectionFailed(let reason) = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("TLS"))
    }

    @Test(
        .enabled(
            if: SinkEnvironment.hasTLS,
            "Set STEWARD_TEST_SMTP_STARTTLS_PORT, STEWARD_TEST_SMTP_SMTPS_PORT and STEWARD_TEST_SMTP_TLS_CERT"))
    func sendsOverImplicitTLS() async throws {
        // Given
        var configuration = SinkEnvironment.configuration(
            host: "localhost", port: SinkEnvironment.smtpsPort, security: .implicitTLS)
        configuration.tlsConfiguration = try SinkEnvironment.trustingSinkCertificate()
        let recipient = SinkEnvironment.uniqueRecipient()
        let client = SMTPClient(
            configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: Self.logger)

        // When
        try await client.send(try Self.message(to: recipient))

        // Then
        #expect(try await SinkEnvironment.delivery(to: recipient) != nil)
    }
}
