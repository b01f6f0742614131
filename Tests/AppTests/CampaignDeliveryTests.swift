import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Storage
import Testing

@testable import App

/// The sending engine against a real SMTP server on loopback (the test command starts it): 4xx answers are retried
/// with growing delays and given up after the configured time; 5xx answers suppress the address as a hard bounce.
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["STEWARD_TEST_SMTP_PORT"] != nil,
        "needs the SMTP sink that `make test` starts (STEWARD_TEST_SMTP_PORT, STEWARD_TEST_SMTP_MAILDIR)"))
struct CampaignDeliveryTests {
    static func importSubscribers(_ app: TestApp, _ emails: [String]) async throws {
        let list = try #require(try await app.services.subscriptions.repository.list(id: "newsletter"))
        let csv =
            "email,consent_source,consented_at\n"
            + emails.map { "\($0),test sheet,2024-05-01" }.joined(
                separator: "\n")
        let outcome = try await app.services.importer.run(
            Array(csv.utf8), into: list, skipRefused: false, staffID: "s", requestID: nil)
        #expect(outcome.committed && outcome.created == emails.count)
    }

    static func delivery(_ app: TestApp, _ email: String) async throws -> (
        status: String, attempts: Int, nextAttemptAt: Int64, lastError: String?
    ) {
        let subscriber = try #require(try await app.services.subscriptions.repository.subscriber(email: email))
        let row = try #require(
            try await app.services.database.sql.raw(
                "SELECT status, attempts, next_attempt_at, last_error FROM deliveries WHERE subscriber_id = \(bind: subscriber.id)"
            ).first())
        return (
            try row.decode(column: "status", as: String.self), try row.decode(column: "attempts", as: Int.self),
            try row.decode(column: "next_attempt_at", as: Int64.self),
            try row.decode(column: "last_error", as: String?.self)
        )
    }

    @Test func aTemporaryRefusalIsRetriedWithGrowingDelaysThenGivenUp() async throws {
        try await TestApp.with(
            environment: MailDeliveryTests.smtpEnvironment.merging(
                ["STEWARD_MAIL_RETRY_DELAY": "60", "STEWARD_MAIL_GIVE_UP_HOURS": "2"]) { $1 }
        ) { app in
            // Given a subscriber whose server answers 451 to every attempt, and one that accepts
            let suffix = UUID().uuidString.prefix(8).lowercased()
            let deferred = "tempfail-\(suffix)@example.test"
            let accepted = "ok-\(suffix)@example.test"
            try await Self.importSubscribers(app, [deferred, accepted])
            let campaign = try await NewsletterTests.startCampaign(app)

            // When the campaign is sent
            let start = app.clock.milliseconds
            try await app.services.sendCampaigns()

            // Then the accepted one is sent, the deferred one waits 60 s, with the reason but not the address
            #expect(try await Self.delivery(app, accepted).status == "sent")
            let first = try await Self.delivery(app, deferred)
            #expect(first.status == "pending" && first.attempts == 1)
            #expect(first.nextAttemptAt == start + 60_000)
            #expect(first.lastError?.contains("451") == true)
            #expect(first.lastError?.contains("tempfail-") == false)
            #expect(try await app.services.campaigns.repository.find(id: campaign.id)?.status == .sending)

            // When it is still refused after the delay, the next wait doubles
            app.clock.advance(by: 61)
            try await app.services.sendCampaigns()
            let second = try await Self.delivery(app, deferred)
            #expect(second.attempts == 2)
            #expect(second.nextAttemptAt == app.clock.milliseconds + 120_000)

            // When the give-up time has passed, it fails for good and the campaign is finished
            app.clock.advance(by: 2 * 3600)
            try await app.services.sendCampaigns()
            let last = try await Self.delivery(app, deferred)
            #expect(last.status == "failed")
            #expect(last.lastError?.hasPrefix("gave up after retries") == true)
            #expect(try await app.services.campaigns.repository.find(id: campaign.id)?.status == .sent)
        }
    }

    @Test func aPermanentRefusalSuppressesTheAddressAsAHardBounce() async throws {
        try await TestApp.with(environment: MailDeliveryTests.smtpEnvironment) { app in
            // Given a subscriber whose server answers 550
            let bounced = "bounce-\(UUID().uuidString.prefix(8).lowercased())@example.test"
            try await Self.importSubscribers(app, [bounced])
            let email = try #require(try await app.services.subscriptions.repository.subscriber(email: bounced))
            _ = try await NewsletterTests.startCampaign(app)

            // When the campaign is sent
            try await app.services.sendCampaigns()

            // Then the delivery failed with the reason, the address is suppressed for every list, and the person
            // is off the list (and, on no list any more, erased)
            let row = try #require(
                try await app.services.database.sql.raw("SELECT status, last_error FROM deliveries").first())
            #expect(try row.decode(column: "status", as: String.self) == "failed")
            #expect(try row.decode(column: "last_error", as: String?.self)?.contains("550") == true)
            let index = app.services.keyring.emailIndex(email.email)
            let suppression = try #require(
                try await app.services.database.sql.raw(
                    "SELECT list_id, reason FROM suppressions WHERE email_index = \(bind: index)"
                ).first())
            #expect(try suppression.decode(column: "list_id", as: String.self) == "*")
            #expect(try suppression.decode(column: "reason", as: String.self) == "hard_bounce")
            #expect(try await NewsletterTests.count(app, "SELECT COUNT(*) AS n FROM subscriptions") == 0)

            // And a later campaign does not even try it
            let next = try await NewsletterTests.startCampaign(app)
            try await app.services.sendCampaigns()
            #expect(try await app.services.campaigns.repository.find(id: next.id)?.recipients == 0)
        }
    }
}

/// Pace and signing, without a relay.
@Suite struct CampaignSettingsTests {
    @Test func theRateLimitSpacesMessages() async {
        // Given a limit of 20 messages per second
        let rate = SendRate(perSecond: 20, perHour: 0)
        let start = ContinuousClock.now

        // When 45 messages ask to go
        for _ in 0..<45 { await rate.acquire() }

        // Then it took at least two full seconds (20 in the first, 20 in the second, 5 in the third)
        #expect(ContinuousClock.now - start >= .seconds(2))
    }

    @Test func campaignMessagesAreSignedWithDKIMWhenConfigured() async throws {
        let openssl = "/usr/bin/openssl"
        guard FileManager.default.isExecutableFile(atPath: openssl) else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dkim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let keyFile = folder.appendingPathComponent("dkim.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = ["genrsa", "-out", keyFile, "2048"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        try await TestApp.with(
            environment: [
                "STEWARD_DKIM_DOMAIN": "example.com", "STEWARD_DKIM_SELECTOR": "mail", "STEWARD_DKIM_KEY_FILE": keyFile,
            ]
        ) { app in
            try await app.test { client in
                _ = try await NewsletterTests.subscribeAndConfirm(app, client, email: "ada@example.test")
                let campaign = try await NewsletterTests.startCampaign(app)
                try await app.services.sendCampaigns()
                let mail = try #require(NewsletterTests.campaignMail(app, campaignID: campaign.id).first)
                let unfolded = NewsletterTests.unfolded(mail)
                #expect(
                    unfolded.hasPrefix("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=mail"))
                let signature = try #require(unfolded.components(separatedBy: "\r\n").first)
                let signed = signature.replacingOccurrences(of: " ", with: "").lowercased()
                for header in ["from", "to", "subject", "date", "list-unsubscribe", "list-unsubscribe-post"] {
                    #expect(signed.contains(header), "h= lacks \(header)")
                }
            }
        }
    }
}
