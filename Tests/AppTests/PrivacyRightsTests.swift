import Foundation
import HTTPTypes
import HummingbirdTesting
import Policy
import SQLKit
import Storage
import Testing

@testable import App

/// Objecting to marketing and restricting processing from `/account/privacy`.
@Suite struct PrivacyRightsTests {
    /// A verified member who consented to the newsletter and to promotions at registration.
    static func verifiedMember(_ app: TestApp, _ client: any TestClientProtocol) async throws -> Browser {
        let member = Browser(client)
        try await member.get("/account/register")
        var profile = AccountFlowTests.profile
        profile["consent_newsletter"] = "on"
        profile["consent_promotions_events"] = "on"
        try await member.post("/account/register", profile)
        try await app.drainJobs()
        let mail = try #require(try app.deliveredMail().last { $0.contains(profile["email"]!) })
        let link = try #require(Browser.link(in: mail, path: "/account/verify"))
        try await member.get(link)
        return member
    }

    @Test func oneClickObjectionWithdrawsEveryMarketingConsentAndSuppressesTheAddress() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a member on the newsletter, who gets its campaigns
                let member = try await Self.verifiedMember(app, client)
                let before = try await NewsletterTests.startCampaign(app)
                try await app.services.sendCampaigns()
                #expect(NewsletterTests.campaignMail(app, campaignID: before.id).count == 1)
                let page = try await member.get("/account/privacy")
                #expect(page.body.contains("Object to all marketing"))

                // When they object to marketing
                let objected = try await member.post("/account/privacy/object", [:])
                #expect(objected.status == .seeOther)

                // Then every marketing consent is withdrawn, recorded as an objection
                let subject = try await ConsentTests.subjectID(app)
                for purpose in ["newsletter", "promotions_events", "advertising", "site_updates"] {
                    #expect(
                        try await !app.services.consent.may(purpose: purpose, category: "contact", subjectID: subject)
                            .isAllowed, "\(purpose) withdrawn")
                }
                #expect(
                    try await NewsletterTests.count(
                        app, "SELECT COUNT(*) AS n FROM consent_records WHERE method = 'objection'") >= 2)
                // And the address is suppressed on every list, and the next campaign does not reach them
                #expect(
                    try await NewsletterTests.count(
                        app, "SELECT COUNT(*) AS n FROM suppressions WHERE list_id = '*' AND reason = 'objection'") == 1
                )
                let after = try await NewsletterTests.startCampaign(app)
                try await app.services.sendCampaigns()
                #expect(NewsletterTests.campaignMail(app, campaignID: after.id).isEmpty)
                // And it is in the audit log, and the history shows it
                #expect(
                    try await NewsletterTests.count(
                        app, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'privacy.object_marketing'") == 1)
                #expect(try await member.get("/account/privacy").body.contains("Objection to marketing"))
            }
        }
    }

    @Test func restrictedProcessingKeepsTheDataButSendsNothingUntilLifted() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a verified member on the newsletter
                let member = try await Self.verifiedMember(app, client)
                try await member.get("/account/privacy")

                // When they restrict processing
                #expect(try await member.post("/account/privacy/restrict", ["action": "restrict"]).status == .seeOther)

                // Then the page says so, their data is still there, and campaigns skip them
                let page = try await member.get("/account/privacy")
                #expect(page.body.contains("Processing of your data is restricted since"))
                #expect(page.body.contains("Lift the restriction"))
                #expect(try await NewsletterTests.count(app, "SELECT COUNT(*) AS n FROM members") == 1)
                let during = try await NewsletterTests.startCampaign(app)
                try await app.services.sendCampaigns()
                #expect(NewsletterTests.campaignMail(app, campaignID: during.id).isEmpty)

                // And once they lift it, campaigns reach them again
                #expect(try await member.post("/account/privacy/restrict", ["action": "lift"]).status == .seeOther)
                #expect(try await !member.get("/account/privacy").body.contains("is restricted since"))
                let later = try await NewsletterTests.startCampaign(app)
                try await app.services.sendCampaigns()
                #expect(NewsletterTests.campaignMail(app, campaignID: later.id).count == 1)

                // And a bad action is refused; both steps are audited
                #expect(try await member.post("/account/privacy/restrict", ["action": "maybe"]).status == .badRequest)
                #expect(
                    try await NewsletterTests.count(
                        app,
                        "SELECT COUNT(*) AS n FROM audit_log WHERE action IN ('privacy.restrict', 'privacy.restrict_lifted')"
                    ) == 2)
            }
        }
    }
}
