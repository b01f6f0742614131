import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Storage
import Testing

@testable import App

/// Delivery through a real SMTP server on loopback (the test command starts one).
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["STEWARD_TEST_SMTP_PORT"] != nil,
        "needs the SMTP sink that `make test` starts (STEWARD_TEST_SMTP_PORT, STEWARD_TEST_SMTP_MAILDIR)"))
struct MailDeliveryTests {
    static var smtpEnvironment: [String: String] {
        let port = ProcessInfo.processInfo.environment["STEWARD_TEST_SMTP_PORT"] ?? "0"
        return ["STEWARD_SMTP_URL": "smtp://127.0.0.1:\(port)?tls=none"]
    }

    /// Waits for the sink to have written a message to `address`, and returns its raw text.
    static func received(by address: String) async throws -> String? {
        let folder = ProcessInfo.processInfo.environment["STEWARD_TEST_SMTP_MAILDIR"] ?? ""
        for _ in 0..<100 {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names where name.hasSuffix(".json") {
                let path = folder + "/" + name
                guard let data = FileManager.default.contents(atPath: path),
                    let envelope = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                    let recipients = envelope["rcpt_tos"] as? [String], recipients.contains(address)
                else { continue }
                let eml = String(path.dropLast(5)) + ".eml"
                if let text = try? String(contentsOfFile: eml, encoding: .utf8) { return text }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    static func register(_ browser: Browser, email: String) async throws {
        var profile = AccountFlowTests.profile
        profile["email"] = email
        try await browser.get("/account/register")
        #expect(try await browser.post("/account/register", profile).status == .seeOther)
    }

    @Test func theVerificationMailArrivesOverSMTPAndItsLinkWorks() async throws {
        try await TestApp.with(environment: Self.smtpEnvironment) { app in
            try await app.test { client in
                // Given a new member
                let email = "smtp-\(UUID().uuidString.prefix(8).lowercased())@example.test"
                let browser = Browser(client)
                try await Self.register(browser, email: email)

                // When the worker delivers the outbox
                try await app.drainJobs()

                // Then the relay received a multipart message whose link verifies the address
                let mail = try #require(try await Self.received(by: email))
                #expect(mail.contains("Subject: Confirm your e-mail address"))
                #expect(mail.contains("multipart/alternative"))
                #expect(mail.contains("Message-ID: <"))
                let link = try #require(Browser.link(in: mail, path: "/account/verify"))
                #expect(try await browser.get(link).body.contains("Your e-mail address is confirmed"))
                let counts = try await app.services.outboxRepository.counts()
                #expect(counts["sent"] == 1)
            }
        }
    }

    @Test func aTemporaryRefusalIsRetriedWithBackoff() async throws {
        try await TestApp.with(environment: Self.smtpEnvironment) { app in
            try await app.test { client in
                // Given a member whose address the relay refuses with 451 (the sink's "tempfail" rule)
                let browser = Browser(client)
                try await Self.register(
                    browser, email: "tempfail-\(UUID().uuidString.prefix(8).lowercased())@example.test")

                // When the worker tries
                try await app.drainJobs()

                // Then the job waits for a retry with the reason kept, and the message is still pending
                let job = try #require(try await app.services.database.sql.select().columns("*").from("jobs").first())
                #expect(try job.decode(column: "status", as: String.self) == "pending")
                #expect(try job.decode(column: "attempts", as: Int.self) == 1)
                #expect(try job.decode(column: "last_error", as: String?.self)?.contains("451") == true)
                let runAt = try job.decode(column: "run_at", as: Int64.self)
                #expect(runAt >= app.clock.milliseconds + 4_000)
                #expect(try await app.services.outboxRepository.counts()["pending"] == 1)

                // When the backoff has passed, the worker tries again (and the relay refuses again)
                app.clock.advance(by: 6)
                try await app.drainJobs()
                let again = try #require(try await app.services.database.sql.select().columns("*").from("jobs").first())
                #expect(try again.decode(column: "attempts", as: Int.self) == 2)
                #expect(try again.decode(column: "run_at", as: Int64.self) >= app.clock.milliseconds + 9_000)
            }
        }
    }

    @Test func aPermanentRefusalFailsTheMessageWithItsReason() async throws {
        try await TestApp.with(environment: Self.smtpEnvironment) { app in
            try await app.test { client in
                let browser = Browser(client)
                try await Self.register(
                    browser, email: "bounce-\(UUID().uuidString.prefix(8).lowercased())@example.test")
                try await app.drainJobs()
                let row = try #require(try await app.services.database.sql.select().columns("*").from("outbox").first())
                #expect(try row.decode(column: "status", as: String.self) == "failed")
                #expect(try row.decode(column: "last_error", as: String?.self)?.contains("550") == true)
                // The job itself is finished: nothing is retried.
                let job = try #require(try await app.services.database.sql.select().columns("*").from("jobs").first())
                #expect(try job.decode(column: "status", as: String.self) == "done")
            }
        }
    }
}
