import Foundation
import Logging
import NIOPosix
import Testing
import _CryptoExtras

@testable import SMTP

/// `SMTPPool` and `DKIMSigner` end to end against aiosmtpd (scripts/smtp_sink.py).
@Suite(
    .enabled(
        if: SinkEnvironment.isConfigured,
        "Set STEWARD_TEST_SMTP_PORT and STEWARD_TEST_SMTP_MAILDIR to a running scripts/smtp_sink.py"))
struct SMTPPoolIntegrationTests {
    /// A pool of `size` connections to the sink's main port.
    static func pool(size: Int) -> SMTPPool {
        SMTPPool(
            configuration: SinkEnvironment.configuration(), size: size,
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "SMTPPoolIntegrationTests"))
    }

    @Test func concurrentSendersAreAllDelivered() async throws {
        // Given
        let recipients = (0..<15).map { _ in SinkEnvironment.uniqueRecipient() }
        let pool = Self.pool(size: 3)

        // When
        let replies = try await withThrowingTaskGroup(of: String.self) { group in
            for recipient in recipients {
                group.addTask {
                    try await pool.send("Subject: pooled\r\n\r\nhi\r\n", from: "steward@example.com", to: [recipient])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        await pool.shutdown()

        // Then
        #expect(Set(replies).count == recipients.count)
        for recipient in recipients {
            #expect(try await SinkEnvironment.delivery(to: recipient)?.recipients == [recipient])
        }
    }

    @Test func aTemporaryRefusalIsTransientAndThePoolCarriesOn() async throws {
        // Given
        let refused = SinkEnvironment.uniqueRecipient("tempfail")
        let accepted = SinkEnvironment.uniqueRecipient()
        let pool = Self.pool(size: 1)

        // When
        let error = await SMTPIntegrationTests.smtpError {
            try await pool.send("Subject: x\r\n\r\nhi\r\n", from: "steward@example.com", to: [refused])
        }
        _ = try await pool.send("Subject: y\r\n\r\nhi\r\n", from: "steward@example.com", to: [accepted])
        await pool.shutdown()

        // Then
        guard case .transient(451, _) = error else {
            Issue.record("expected a 451, got \(String(describing: error))")
            return
        }
        #expect(try await SinkEnvironment.delivery(to: accepted) != nil)
    }

    @Test func aSignedMessageArrivesWithAValidSignature() async throws {
        // Given
        let recipient = SinkEnvironment.uniqueRecipient()
        let signer = try DKIMSigner(
            domain: "example.com", selector: "steward",
            privateKeyPEM: try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation)
        let signed = try signer.sign(try SMTPIntegrationTests.message(to: recipient).render())
        let pool = Self.pool(size: 1)

        // When
        _ = try await pool.send(signed, from: "steward@example.com", to: [recipient])
        await pool.shutdown()
        let delivery = try #require(try await SinkEnvironment.delivery(to: recipient))

        // Then
        let outcome = try DKIMVerifier(dnsRecord: signer.dnsRecord).verify(delivery.message)
        #expect(outcome.isValid)
        #expect(outcome.tags["h"]?.contains("List-Unsubscribe") == true)
    }
}
