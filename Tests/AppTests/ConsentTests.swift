import Foundation
import Hummingbird
import HummingbirdTesting
import Policy
import SQLKit
import Storage
import Testing

@testable import App

@Suite struct ConsentTests {
    /// Registers a member, ticking the given consents.
    static func register(_ browser: Browser, consents: [String], email: String = "consent@example.test") async throws {
        try await browser.get("/account/register")
        var fields = AccountFlowTests.profile
        fields["email"] = email
        for id in consents { fields["consent_" + id] = "on" }
        #expect(try await browser.post("/account/register", fields).status == .seeOther)
    }

    static func subjectID(_ app: TestApp) async throws -> String {
        try #require(
            try await app.services.database.sql.select().column("subject_id").from("members").first()?
                .decode(column: "subject_id", as: String.self))
    }

    @Test func registrationOffersOneUntickedBoxPerConsentPurposeAndRecipient() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let page = try await Browser(client).get("/account/register")
                let policy = app.services.policyState.current.policy
                for id in policy.consentPurposes.map(\.id) + policy.consentRecipients.map(\.id) {
                    #expect(page.body.contains("name=\"consent_\(id)\""), "checkbox for \(id)")
                    let ticked = page.body.range(of: "name=\"consent_\(id)\"[^>]*checked", options: .regularExpression)
                    #expect(ticked == nil, "\(id) is ticked by default")
                }
            }
        }
    }

    @Test func consentsGivenAtRegistrationAreRecordedAndCanBeWithdrawnWithOneClick() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a member who ticked the newsletter at registration
                let browser = Browser(client)
                try await Self.register(browser, consents: ["newsletter"])
                let subject = try await Self.subjectID(app)
                let consent = app.services.consent
                #expect(try await consent.may(purpose: "newsletter", category: "contact", subjectID: subject).isAllowed)
                #expect(
                    try await !consent.may(purpose: "promotions_events", category: "contact", subjectID: subject)
                        .isAllowed)
                let records = try await consent.repository.records(subjectID: subject)
                #expect(records.count == 1)
                #expect(records.first?.method == "registration")
                #expect(records.first?.policyHash == app.services.policyState.current.policy.contentHash)

                // When withdrawing from /account/privacy with one click
                let page = try await browser.get("/account/privacy")
                #expect(page.body.contains("Withdraw"))
                let withdrawn = try await browser.post(
                    "/account/privacy/consents", ["purpose": "newsletter", "action": "withdraw"])
                #expect(withdrawn.location == "/account/privacy")

                // Then the purpose may no longer use the data, and the evidence shows both records
                #expect(
                    try await !consent.may(purpose: "newsletter", category: "contact", subjectID: subject).isAllowed)
                let history = try await consent.repository.records(subjectID: subject)
                #expect(history.map(\.granted) == [true, false])
                #expect(history.last?.method == "settings")
                // and both are in the audit log
                let audited = try await app.services.database.sql.select().column("action").from("audit_log")
                    .where("subject", .equal, subject).all().map { try $0.decode(column: "action", as: String.self) }
                #expect(audited.contains("consent.grant"))
                #expect(audited.contains("consent.withdraw"))
            }
        }
    }

    @Test func aConsentReceiptFollowsTheKantaraShape() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let browser = Browser(client)
                try await Self.register(browser, consents: ["site_updates"])
                let subject = try await Self.subjectID(app)
                let record = try #require(try await app.services.consent.repository.records(subjectID: subject).first)
                let response = try await browser.get("/account/privacy/receipts/\(record.id)")
                #expect(response.status == .ok)
                let json = try #require(
                    try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
                for key in [
                    "version", "jurisdiction", "consentTimestamp", "collectionMethod", "consentReceiptID",
                    "piiPrincipalId",
                    "piiControllers", "policyUrl", "services", "sensitive",
                ] {
                    #expect(json[key] != nil, "receipt key \(key)")
                }
                #expect(json["consentReceiptID"] as? String == record.id)
                // Another member cannot read it
                let other = Browser(client)
                try await Self.register(other, consents: [], email: "other@example.test")
                #expect(try await other.get("/account/privacy/receipts/\(record.id)").status == .notFound)
            }
        }
    }

    @Test func globalPrivacyControlIsRecordedAsAWithdrawalForAMember() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let browser = Browser(client)
                let policy = app.services.policyState.current.policy
                let sharing = try #require(policy.consentRecipients.first?.id)
                try await Self.register(browser, consents: [sharing, "newsletter"])
                let subject = try await Self.subjectID(app)
                #expect(try await app.services.consent.mayShare(with: sharing, subjectID: subject).isAllowed)

                // When the browser sends Sec-GPC: 1
                browser.extraHeaders = [.init("Sec-GPC")!: "1"]
                try await browser.get("/account")
                try await browser.get("/account")

                // Then sharing is withdrawn once, recorded as GPC; the newsletter is untouched
                let records = try await app.services.consent.repository.records(subjectID: subject)
                #expect(records.filter { $0.purpose == sharing && $0.method == "gpc" && !$0.granted }.count == 1)
                #expect(
                    try await app.services.consent.may(purpose: "newsletter", category: "contact", subjectID: subject)
                        .isAllowed)
                #expect(try await !app.services.consent.mayShare(with: sharing, subjectID: subject).isAllowed)
                // A value other than exactly "1" is not GPC
                let plain = Browser(client)
                plain.extraHeaders = [.init("Sec-GPC")!: "yes"]
                let page = try await plain.get("/")
                #expect(!page.body.contains("Global Privacy Control signal"))
            }
        }
    }
}
