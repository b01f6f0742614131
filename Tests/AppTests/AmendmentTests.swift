import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Policy
import SQLKit
import Storage
import Testing

@testable import App

/// Publishing a changed policy: every member is told once (in the app and by e-mail over a real SMTP server),
/// and a consent purpose whose meaning changed is suspended until the member consents again.
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["STEWARD_TEST_SMTP_PORT"] != nil,
        "needs the SMTP sink that `make test` starts (STEWARD_TEST_SMTP_PORT, STEWARD_TEST_SMTP_MAILDIR)"))
struct AmendmentTests {
    static let shippedPolicy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("policy/policy.yaml")

    @Test func publishingAChangedPolicyNotifiesEveryMemberOnceAndSuspendsTheChangedPurpose() async throws {
        // Given the shipped policy in a file of the test's own
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("policy.yaml")
        let original = try String(contentsOf: Self.shippedPolicy, encoding: .utf8)
        try original.write(to: file, atomically: true, encoding: .utf8)
        var environment = MailDeliveryTests.smtpEnvironment
        environment["STEWARD_POLICY_FILE"] = file.path

        try await TestApp.with(environment: environment) { app in
            try await app.test { client in
                // And three members who subscribed to the newsletter
                let run = UUID().uuidString.prefix(6).lowercased()
                var browsers: [Browser] = []
                var addresses: [String] = []
                for index in 0..<3 {
                    let browser = Browser(client)
                    let address = "amend-\(run)-\(index)@example.test"
                    try await ConsentTests.register(browser, consents: ["newsletter", "site_updates"], email: address)
                    browsers.append(browser)
                    addresses.append(address)
                }
                try await app.drainJobs()

                // When the newsletter's purpose changes and the policy is published
                let changed =
                    original
                    .replacingOccurrences(of: "version: 1\n", with: "version: 2\n")
                    .replacingOccurrences(of: "date: 2017-03-13", with: "date: 2026-12-01")
                    .replacingOccurrences(
                        of: "description: We send you our newsletter by e-mail.",
                        with: "description: We send you our newsletter by e-mail, with offers from our partners.")
                #expect(changed != original)
                try changed.write(to: file, atomically: true, encoding: .utf8)
                let report = try await app.services.publishPolicy(progress: { _, _ in }, logger: Logger(label: "test"))

                // Then version 2 is live and three members were told
                #expect(report.published)
                #expect(report.version == 2)
                #expect(report.notified == 3)
                #expect(report.suspended == ["newsletter"])
                #expect(app.services.policyState.current.policy.version == 2)

                // Each got exactly one e-mail about it, over SMTP
                for address in addresses {
                    let mails = try await Self.received(by: address, subjectContaining: "privacy policy")
                    #expect(mails == 1, "\(address) got \(mails) policy e-mails")
                }

                // The newsletter is suspended, site updates (unchanged) are not
                let subjects = try await app.services.database.sql.select().column("subject_id").from("members").all()
                    .map { try $0.decode(column: "subject_id", as: String.self) }
                for subject in subjects {
                    let newsletter = try await app.services.consent.may(
                        purpose: "newsletter", category: "contact", subjectID: subject)
                    #expect(newsletter == .denied(reason: .consentSuspended))
                    #expect(
                        try await app.services.consent.may(
                            purpose: "site_updates", category: "contact", subjectID: subject
                        )
                        .isAllowed)
                }

                // Each sees the in-app message on the next visit, acknowledges it, and it is tracked
                let first = browsers[0]
                let account = try await first.get("/account")
                #expect(account.body.contains("Our privacy policy changed"))
                try await first.post("/account/notices/ack", ["version": "2"])
                #expect(!(try await first.get("/account").body.contains("Our privacy policy changed")))
                let acknowledged = try await app.services.database.sql.select().column("id").from("policy_notices")
                    .where("acknowledged_at", .isNot, SQLLiteral.null).all()
                #expect(acknowledged.count == 1)

                // Consenting again restores the purpose
                try await first.get("/account/privacy")
                try await first.post("/account/privacy/consents", ["purpose": "newsletter", "action": "grant"])
                let firstSubject = try #require(
                    try await app.services.members.subjectID(
                        memberID: try await Self.memberID(app, address: addresses[0])))
                #expect(
                    try await app.services.consent.may(
                        purpose: "newsletter", category: "contact", subjectID: firstSubject
                    )
                    .isAllowed)

                // Publishing the same file again changes nothing and tells nobody
                let again = try await app.services.publishPolicy(progress: { _, _ in }, logger: Logger(label: "test"))
                #expect(!again.published)
                // The versions page shows the change
                let versions = try await first.get("/privacy/versions")
                #expect(versions.body.contains("id=\"v2\""))
            }
        }
    }

    @Test func anInvalidPolicyFileStopsStartUpWithEveryProblem() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("policy.yaml")
        let broken = try String(contentsOf: Self.shippedPolicy, encoding: .utf8)
            .replacingOccurrences(of: "categories: [contact, identity]", with: "categories: [contact, nonsense]")
            .replacingOccurrences(of: "deadlineDays: 14", with: "deadlineDays: 45")
        try broken.write(to: file, atomically: true, encoding: .utf8)
        do {
            try await TestApp.with(environment: ["STEWARD_POLICY_FILE": file.path]) { _ in
                Issue.record("the application started with an invalid policy")
            }
        } catch let error as PolicyService.PublishError {
            let text = error.description
            #expect(text.contains("nonsense"))
            #expect(text.contains("45") || text.contains("deadline"))
            #expect(text.contains(file.path + ":"))
        }
    }

    static func memberID(_ app: TestApp, address: String) async throws -> String {
        try #require(try await app.services.members.find(email: address)?.id)
    }

    /// How many messages the sink received for `address` whose subject contains `text`.
    static func received(by address: String, subjectContaining text: String) async throws -> Int {
        let folder = ProcessInfo.processInfo.environment["STEWARD_TEST_SMTP_MAILDIR"] ?? ""
        var count = 0
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in names where name.hasSuffix(".json") {
            let path = folder + "/" + name
            guard let data = FileManager.default.contents(atPath: path),
                let envelope = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let recipients = envelope["rcpt_tos"] as? [String], recipients.contains(address),
                let eml = try? String(contentsOfFile: String(path.dropLast(5)) + ".eml", encoding: .utf8)
            else { continue }
            let subject = eml.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject:") } ?? ""
            if subject.lowercased().contains(text.lowercased()) { count += 1 }
        }
        return count
    }
}
