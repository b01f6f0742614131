import Foundation
import Hummingbird
import HummingbirdTesting
import Mailing
import SQLKit
import Storage
import Testing

@testable import App

/// Lists, double opt-in, one-click unsubscribe (RFC 8058), imports and campaigns, without a relay (campaign
/// messages are written as .eml files).
@Suite struct NewsletterTests {
    /// Messages a campaign wrote to the data folder (no relay configured), by file name.
    static func campaignMail(_ app: TestApp, campaignID: String) -> [String] {
        let folder = app.dataDirectory.appendingPathComponent("outbox/campaigns/\(campaignID)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".eml") }.sorted().compactMap {
            try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)
        }
    }

    /// A message with folded header lines joined again.
    static func unfolded(_ mail: String) -> String {
        mail.replacingOccurrences(of: "\r\n ", with: " ").replacingOccurrences(of: "\r\n\t", with: " ")
    }

    static func request() -> RequestInfo {
        RequestInfo(ip: "127.0.0.1", userAgent: "test", requestID: "test")
    }

    /// Subscribes through the public form and opens the confirmation link; returns the page after confirming.
    static func subscribeAndConfirm(
        _ app: TestApp, _ client: any TestClientProtocol, email: String, name: String = "Ada",
        list: String = "newsletter"
    ) async throws -> Browser.Page {
        let browser = Browser(client)
        try await browser.get("/subscribe")
        let posted = try await browser.post("/subscribe", ["email": email, "name": name, "list": list])
        #expect(posted.status == .ok)
        try await app.drainJobs()
        let mail = try #require(try app.deliveredMail().last { $0.contains("To: ") && $0.contains(email) })
        let link = try #require(Browser.link(in: mail, path: "/subscribe/confirm"))
        return try await browser.get(link)
    }

    static func startCampaign(
        _ app: TestApp, list: String = "newsletter", subject: String = "Hello {{name}}",
        body: String = "Dear {{#name}}{{name}}{{/name}}{{^name}}reader{{/name}},\n\nNews **today**.",
        tags: [String] = []
    ) async throws -> Campaign {
        let campaign = try await app.services.campaigns.create(
            .init(listID: list, subject: subject, body: body, tags: tags), staffID: "staff-1", requestID: nil)
        try await app.services.campaigns.sendNow(id: campaign.id, staffID: "staff-1", requestID: nil)
        return campaign
    }

    /// Subscribes ada@example.test, sends her a campaign and returns its List-Unsubscribe header line.
    static func listUnsubscribeHeaderAfterACampaign(_ app: TestApp, _ client: any TestClientProtocol) async throws
        -> String
    {
        _ = try await subscribeAndConfirm(app, client, email: "ada@example.test")
        let campaign = try await startCampaign(app)
        try await app.services.sendCampaigns()
        let mail = try #require(campaignMail(app, campaignID: campaign.id).first)
        return try #require(
            unfolded(mail).components(separatedBy: "\r\n").first { $0.hasPrefix("List-Unsubscribe: ") })
    }

    static func count(_ app: TestApp, _ sql: String) async throws -> Int {
        try await app.services.database.sql.raw(SQLQueryString(sql)).first()?.decode(column: "n", as: Int.self) ?? -1
    }

    // MARK: Double opt-in

    @Test func anUnconfirmedAddressNeverReceivesACampaign() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given an address subscribed from the form but not confirmed
                let browser = Browser(client)
                try await browser.get("/subscribe")
                #expect(
                    try await browser.post(
                        "/subscribe", ["email": "pending@example.test", "list": "newsletter"]
                    ).status == .ok)
                try await app.drainJobs()
                #expect(try app.deliveredMail().contains { $0.contains("Subject: Confirm your subscription") })

                // When a campaign goes to the list
                let campaign = try await Self.startCampaign(app)
                try await app.services.sendCampaigns()

                // Then nobody received it, and the campaign is done
                #expect(Self.campaignMail(app, campaignID: campaign.id).isEmpty)
                #expect(try await app.services.campaigns.repository.find(id: campaign.id)?.status == .sent)
            }
        }
    }

    @Test func confirmingRecordsTheConsentAndTheLinkWorksOnce() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a confirmed subscription
                let confirmed = try await Self.subscribeAndConfirm(app, client, email: "ada@example.test")
                #expect(confirmed.status == .ok)

                // Then the consent is on record as a subscription, and the subscriber's data is sealed
                let grants = try await Self.count(
                    app,
                    "SELECT COUNT(*) AS n FROM consent_records WHERE purpose = 'newsletter' AND method = 'subscription' AND granted"
                )
                #expect(grants == 1)
                let raw = try await app.services.database.sql.raw("SELECT email_enc FROM subscribers").all()
                for row in raw {
                    let sealed = try row.decode(column: "email_enc", as: Data.self)
                    #expect(!String(decoding: sealed, as: UTF8.self).contains("ada@example.test"))
                }

                // And the link cannot be used twice
                let mail = try #require(try app.deliveredMail().last { $0.contains("ada@example.test") })
                let link = try #require(Browser.link(in: mail, path: "/subscribe/confirm"))
                #expect(try await Browser(client).get(link).status == .notFound)
            }
        }
    }

    @Test func anExpiredConfirmationLinkIsRefused() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let browser = Browser(client)
                try await browser.get("/subscribe")
                try await browser.post("/subscribe", ["email": "late@example.test", "list": "newsletter"])
                try await app.drainJobs()
                let mail = try #require(try app.deliveredMail().last { $0.contains("late@example.test") })
                let link = try #require(Browser.link(in: mail, path: "/subscribe/confirm"))

                // When the link is opened after 48 hours
                app.clock.advance(by: 48 * 3600 + 1)

                // Then it is refused and nothing becomes active
                #expect(try await browser.get(link).status == .notFound)
                #expect(
                    try await Self.count(app, "SELECT COUNT(*) AS n FROM subscriptions WHERE status = 'active'") == 0)
            }
        }
    }

    @Test func thePublicFormRefusesPrivateListsAndBadInputAtTheField() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a private list
                let list = try await app.services.subscriptions.createList(
                    name: "Partners", description: "", purpose: "promotions_events", visibility: .private,
                    staffID: "staff-1", requestID: nil)
                let browser = Browser(client)
                try await browser.get("/subscribe")

                // When someone tries to join it from the public form, or types a bad address or a name with a line break
                let privateList = try await browser.post("/subscribe", ["email": "x@example.test", "list": list.id])
                let badEmail = try await browser.post("/subscribe", ["email": "not-an-address", "list": "newsletter"])
                let injected = try await browser.post(
                    "/subscribe",
                    ["email": "y@example.test", "name": "Eve\r\nBcc: all@example.test", "list": "newsletter"])

                // Then each is refused with the reason, and nothing is stored
                #expect(privateList.status == .badRequest)
                #expect(badEmail.status == .badRequest)
                #expect(badEmail.body.contains("Enter an e-mail address like name@example.com."))
                #expect(injected.status == .badRequest)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM subscribers") == 0)
            }
        }
    }

    // MARK: Campaigns and one-click unsubscribe

    @Test func campaignMessagesArePersonalisedAndCarryOneClickUnsubscribe() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given two confirmed subscribers
                _ = try await Self.subscribeAndConfirm(app, client, email: "ada@example.test", name: "Ada")
                _ = try await Self.subscribeAndConfirm(app, client, email: "bob@example.test", name: "")

                // When a campaign is sent
                let campaign = try await Self.startCampaign(app)
                try await app.services.sendCampaigns()

                // Then each got a personalised message with RFC 8058 headers
                let mail = Self.campaignMail(app, campaignID: campaign.id)
                #expect(mail.count == 2)
                let ada = try #require(mail.first { $0.contains("ada@example.test") })
                #expect(ada.contains("Subject: Hello Ada"))
                #expect(ada.contains("Dear Ada"))
                #expect(ada.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"))
                let header = try #require(
                    Self.unfolded(ada).components(separatedBy: "\r\n").first { $0.hasPrefix("List-Unsubscribe: ") })
                #expect(header.contains("<http://127.0.0.1:8080/unsubscribe?t="))
                #expect(header.contains("<mailto:unsubscribe@"))
                let bob = try #require(mail.first { $0.contains("bob@example.test") })
                #expect(bob.contains("Dear reader"))
                let progress = try await app.services.campaigns.repository.progress(campaignID: campaign.id)
                #expect(progress.sent == 2 && progress.pending == 0)
                #expect(try await app.services.campaigns.repository.find(id: campaign.id)?.status == .sent)
            }
        }
    }

    @Test func oneClickUnsubscribeWorksWithoutCookiesAndGetDoesNothing() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a subscriber who received a campaign
                let header = try await Self.listUnsubscribeHeaderAfterACampaign(app, client)
                let url = try #require(header.split(separator: "<").dropFirst().first?.split(separator: ">").first)
                let path = String(url.dropFirst("http://127.0.0.1:8080".count))

                // When a link scanner GETs the link, nothing changes
                let page = try await client.execute(uri: path, method: .get)
                #expect(page.status == .ok)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM subscriptions") == 1)

                // When the mail client POSTs the one-click body without any cookie
                let posted = try await client.execute(
                    uri: path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "List-Unsubscribe=One-Click"))

                // Then it answers 200 without a redirect, and the subscription and the person's data are gone
                #expect(posted.status == .ok)
                #expect(posted.headers[.location] == nil)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM subscriptions") == 0)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM subscribers") == 0)
                #expect(
                    try await Self.count(app, "SELECT COUNT(*) AS n FROM suppressions WHERE reason = 'unsubscribed'")
                        == 1)
                #expect(
                    try await Self.count(
                        app, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'subscription.unsubscribe'") == 1)
                // And the consent is withdrawn
                #expect(
                    try await Self.count(
                        app, "SELECT COUNT(*) AS n FROM consent_records WHERE purpose = 'newsletter'") == 0,
                    "an erased subscriber's consent records go with them")

                // And doing it again is harmless
                let again = try await client.execute(
                    uri: path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "List-Unsubscribe=One-Click"))
                #expect(again.status == .ok)
            }
        }
    }

    @Test func aForgedOrExpiredTokenGets404() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                _ = try await Self.subscribeAndConfirm(app, client, email: "ada@example.test")
                let subscriberID = try await app.services.database.sql.raw("SELECT id FROM subscribers").first()!
                    .decode(column: "id", as: String.self)
                let token = app.services.subscriptions.unsubscribeToken(
                    subscriberID: subscriberID, listID: "newsletter")

                // A token signed for another list, a truncated signature and garbage are refused
                let parts = token.split(separator: ".")
                // The same signature on a payload naming another list
                let otherList = Data("\(subscriberID)|site_updates|\(Int64.max)".utf8).base64EncodedString()
                    .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                    .replacingOccurrences(of: "=", with: "")
                let forged = otherList + "." + String(parts[1])
                for bad in [forged, String(parts[0]) + "." + String(parts[1].dropLast()), "nonsense", ""] {
                    let response = try await client.execute(uri: "/unsubscribe?t=\(bad)", method: .post)
                    #expect(response.status == .notFound)
                    #expect(!String(buffer: response.body).contains("newsletter"))
                }
                // A genuine token after its lifetime is refused too
                app.clock.advance(by: TimeInterval(UnsubscribeToken.lifetime / 1000) + 1)
                #expect(try await client.execute(uri: "/unsubscribe?t=\(token)", method: .post).status == .notFound)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM subscriptions") == 1)
            }
        }
    }

    @Test func aMessageToTheMailtoAddressUnsubscribesByItsToken() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a subscriber who received a campaign with a mailto alternative
                let header = try await Self.listUnsubscribeHeaderAfterACampaign(app, client)
                let mailto = try #require(header.components(separatedBy: "<mailto:").last?.split(separator: ">").first)
                let subject = try #require(mailto.split(separator: "?subject=").last)
                    .replacingOccurrences(of: "%20", with: " ")
                let token = try #require(subject.split(separator: " ").last.map(String.init))

                // A message without a token, and one with a forged token, change nothing
                let none = try await app.services.unsubscribe(mail: Array("Subject: stop\r\n\r\nplease".utf8))
                #expect(none == .noToken)
                let forged = token.dropLast(2) + (token.hasSuffix("AA") ? "BB" : "AA")
                let refused = try await app.services.unsubscribe(
                    mail: Array("Subject: unsubscribe \(forged)\r\n\r\n".utf8))
                #expect(refused == .invalidToken)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM subscriptions") == 1)

                // When the mail program sends the mailto message, folded and behind "Re:"
                let message = """
                    From: Ada <ada@example.test>\r
                    To: \(mailto.split(separator: "?").first ?? "")\r
                    Subject: Re:\r
                     unsubscribe \(token)\r
                    \r
                    (sent by my mail program)\r

                    """
                let outcome = try await app.services.unsubscribe(mail: Array(message.utf8))

                // Then the subscription goes as with the one-click link, and the audit says how
                #expect(outcome == .unsubscribed(listName: "Newsletter"))
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM subscriptions") == 0)
                #expect(
                    try await Self.count(
                        app,
                        "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'subscription.unsubscribe' "
                            + "AND details LIKE '%mailto%'") == 1)
                // And a second copy of the message is harmless
                #expect(
                    try await app.services.unsubscribe(mail: Array(message.utf8))
                        == .unsubscribed(listName: "Newsletter"))
            }
        }
    }

    @Test(
        arguments: [
            ("Subject: unsubscribe abc.def\r\n\r\n", "abc.def"),
            ("subject: UNSUBSCRIBE <a-b_c.d-e_f>\n\nbody", "a-b_c.d-e_f"),
            ("Subject: Fwd: hello\r\n\r\nunsubscribe x1.y2\r\n", "x1.y2"),
            ("Subject: unsubscribe not-a-token\r\n\r\n", nil),
            ("Subject: unsubscribe a.b.c\r\n\r\n", nil),
            ("Subject: hello\r\n\r\nno token here", nil),
        ] as [(String, String?)])
    func theMailtoTokenIsFoundInTheSubjectOrBody(message: String, token: String?) {
        #expect(UnsubscribeMail.token(in: Array(message.utf8)) == token)
    }

    @Test func unsubscribingDuringACampaignDropsThatPersonsPendingDelivery() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a campaign expanded to two subscribers, not yet sent
                _ = try await Self.subscribeAndConfirm(app, client, email: "ada@example.test")
                _ = try await Self.subscribeAndConfirm(app, client, email: "bob@example.test")
                let campaign = try await Self.startCampaign(app)
                let current = try #require(try await app.services.campaigns.repository.find(id: campaign.id))
                _ = try await app.services.campaignEngine.expand(current)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'") == 2)

                // When one of them unsubscribes mid-campaign and sending goes on
                let bobID = try #require(
                    try await app.services.subscriptions.repository.subscriber(email: "bob@example.test")?.id)
                let token = try #require(
                    app.services.subscriptions.readUnsubscribeToken(
                        app.services.subscriptions.unsubscribeToken(subscriberID: bobID, listID: "newsletter")))
                try await app.services.subscriptions.unsubscribe(token, request: Self.request())
                try await app.services.sendCampaigns()

                // Then only the other received it, and the dropped delivery says why
                let mail = Self.campaignMail(app, campaignID: campaign.id)
                #expect(mail.count == 1)
                #expect(mail.first?.contains("ada@example.test") == true)
                let progress = try await app.services.campaigns.repository.progress(campaignID: campaign.id)
                #expect(progress.sent == 1 && progress.dropped == 1)
            }
        }
    }

    @Test func pauseStopsSendingAndCancelDropsWhatIsLeft() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                _ = try await Self.subscribeAndConfirm(app, client, email: "ada@example.test")
                let campaign = try await Self.startCampaign(app)

                // When paused before the engine runs, nothing is sent
                try await app.services.campaigns.pause(id: campaign.id, staffID: "staff-1", requestID: nil)
                try await app.services.sendCampaigns()
                #expect(Self.campaignMail(app, campaignID: campaign.id).isEmpty)

                // And a paused campaign cannot be started again with "send now", only resumed
                await #expect(throws: NewsletterError.self) {
                    try await app.services.campaigns.sendNow(id: campaign.id, staffID: "staff-1", requestID: nil)
                }

                // When cancelled, it is final
                try await app.services.campaigns.cancel(id: campaign.id, staffID: "staff-1", requestID: nil)
                await #expect(throws: NewsletterError.self) {
                    try await app.services.campaigns.resume(id: campaign.id, staffID: "staff-1", requestID: nil)
                }
                try await app.services.sendCampaigns()
                #expect(Self.campaignMail(app, campaignID: campaign.id).isEmpty)
                #expect(try await app.services.campaigns.repository.find(id: campaign.id)?.status == .cancelled)
            }
        }
    }

    @Test func aScheduledCampaignStartsWhenItsTimeComes() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                _ = try await Self.subscribeAndConfirm(app, client, email: "ada@example.test")
                let campaign = try await app.services.campaigns.create(
                    .init(listID: "newsletter", subject: "Later", body: "Soon.", tags: []), staffID: "s",
                    requestID: nil)
                let at = app.clock.milliseconds + 3_600_000
                try await app.services.campaigns.schedule(id: campaign.id, at: at, staffID: "s", requestID: nil)

                // Before its time nothing happens; after it, the campaign is sent
                try await app.services.sendCampaigns()
                #expect(Self.campaignMail(app, campaignID: campaign.id).isEmpty)
                app.clock.advance(by: 3601)
                try await app.services.sendCampaigns()
                #expect(Self.campaignMail(app, campaignID: campaign.id).count == 1)
            }
        }
    }

    @Test func interestsNarrowTheAudience() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a member interested in "events" and a subscriber with no interests
                let member = Browser(client)
                try await member.get("/account/register")
                var profile = AccountFlowTests.profile
                profile["email"] = "member@example.test"
                try await member.post("/account/register", profile)
                let memberID = try #require(try await app.services.members.find(email: "member@example.test")?.id)
                try await app.services.database.sql.raw(
                    "UPDATE members SET email_verified_at = 1 WHERE id = \(bind: memberID)"
                ).run()
                try await member.get("/account/subscriptions")
                let saved = try await member.post(
                    "/account/subscriptions", ["list": "newsletter", "interests": "events, music"])
                #expect(saved.location == "/account/subscriptions")
                _ = try await Self.subscribeAndConfirm(app, client, email: "ada@example.test")

                // When a campaign is narrowed to "events"
                let campaign = try await Self.startCampaign(app, tags: ["events"])
                try await app.services.sendCampaigns()

                // Then only the member gets it, and their choice is a recorded consent
                let mail = Self.campaignMail(app, campaignID: campaign.id)
                #expect(mail.count == 1)
                #expect(mail.first?.contains("member@example.test") == true)
                #expect(
                    try await Self.count(
                        app,
                        "SELECT COUNT(*) AS n FROM consent_records WHERE purpose = 'newsletter' AND method = 'subscription'"
                    )
                        == 2)
                #expect(try await member.get("/account/subscriptions").body.contains("events"))
            }
        }
    }

    @Test func aMemberWhoConsentsAtRegistrationIsOnTheListOnceVerified() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a member who ticked the newsletter at registration
                let member = Browser(client)
                try await member.get("/account/register")
                var profile = AccountFlowTests.profile
                profile["email"] = "reader@example.test"
                profile["consent_newsletter"] = "on"
                try await member.post("/account/register", profile)

                // Before verifying their address, they receive nothing
                let first = try await Self.startCampaign(app)
                try await app.services.sendCampaigns()
                #expect(Self.campaignMail(app, campaignID: first.id).isEmpty)

                // After verifying, they do
                try await app.drainJobs()
                let mail = try #require(try app.deliveredMail().last { $0.contains("reader@example.test") })
                let link = try #require(Browser.link(in: mail, path: "/account/verify"))
                try await member.get(link)
                let second = try await Self.startCampaign(app)
                try await app.services.sendCampaigns()
                #expect(Self.campaignMail(app, campaignID: second.id).count == 1)

                // And withdrawing the consent on the privacy page takes them off the list
                try await member.get("/account/privacy")
                try await member.post("/account/privacy/consents", ["purpose": "newsletter", "action": "withdraw"])
                let third = try await Self.startCampaign(app)
                try await app.services.sendCampaigns()
                #expect(Self.campaignMail(app, campaignID: third.id).isEmpty)
            }
        }
    }

    // MARK: Import and export

    @Test func anImportNeedsAConsentSourceAndListsProblemsByLine() async throws {
        try await TestApp.with { app in
            let list = try #require(try await app.services.subscriptions.repository.list(id: "newsletter"))
            let csv = """
                email,name,consent_source,consented_at
                ada@example.test,Ada,trade fair sign-up sheet,2024-05-01
                bob@example.test,Bob,,2024-05-01
                not-an-address,Cy,website,2024-05-01
                dee@example.test,Dee,website,2024-05-02T10:00:00Z
                """
            // When imported all-or-nothing, the two bad lines refuse the file
            let refused = try await app.services.importer.run(
                Array(csv.utf8), into: list, skipRefused: false, staffID: "s", requestID: nil)
            #expect(!refused.committed)
            #expect(refused.refused.map(\.line) == [3, 4])
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM subscribers") == 0)

            // When the acceptable rows may go in, exactly those are imported
            let partial = try await app.services.importer.run(
                Array(csv.utf8), into: list, skipRefused: true, staffID: "s", requestID: nil)
            #expect(partial.committed)
            #expect(partial.created == 2)
            #expect(partial.refused.count == 2)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM subscriptions WHERE status = 'active'") == 2)
            #expect(
                try await Self.count(app, "SELECT COUNT(*) AS n FROM consent_records WHERE method = 'import'") == 2)

            // A file without the consent columns is refused as a whole
            let missing = try await app.services.importer.run(
                Array("email,name\neve@example.test,Eve\n".utf8), into: list, skipRefused: true, staffID: "s",
                requestID: nil)
            #expect(!missing.committed)
            #expect(missing.refused.first?.line == 1)

            // Importing the same rows again adds nobody twice
            let again = try await app.services.importer.run(
                Array(csv.utf8), into: list, skipRefused: true, staffID: "s", requestID: nil)
            #expect(again.alreadyOnList == 2 && again.created == 0)
        }
    }

    @Test func anImportRefusesSuppressedAddresses() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given someone who unsubscribed
                _ = try await Self.subscribeAndConfirm(app, client, email: "gone@example.test")
                let id = try #require(
                    try await app.services.subscriptions.repository.subscriber(email: "gone@example.test")?.id)
                let token = try #require(
                    app.services.subscriptions.readUnsubscribeToken(
                        app.services.subscriptions.unsubscribeToken(subscriberID: id, listID: "newsletter")))
                try await app.services.subscriptions.unsubscribe(token, request: Self.request())

                // When a file brings them back
                let list = try #require(try await app.services.subscriptions.repository.list(id: "newsletter"))
                let outcome = try await app.services.importer.run(
                    Array("email,consent_source,consented_at\nGONE@example.test,old list,2020-01-01\n".utf8),
                    into: list,
                    skipRefused: true, staffID: "s", requestID: nil)

                // Then the row is refused
                #expect(outcome.created == 0)
                #expect(outcome.refused.first?.line == 2)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM subscribers") == 0)
            }
        }
    }

    @Test func theSiteUpdateReachesMembersAndTheUpdatesList() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a subscriber of the site-updates list and a member
                _ = try await Self.subscribeAndConfirm(app, client, email: "ada@example.test", list: "site_updates")
                let member = Browser(client)
                try await member.get("/account/register")
                try await member.post("/account/register", AccountFlowTests.profile)

                // When staff publish an update
                _ = try await app.services.campaigns.publishSiteUpdate(
                    title: "New pricing page", body: "We added a **pricing** page.", mail: true, staffID: "s",
                    requestID: nil)
                try await app.services.sendCampaigns()

                // Then the member sees it and the subscriber got it by mail
                let page = try await member.get("/account/notifications")
                #expect(page.body.contains("New pricing page"))
                #expect(page.body.contains("<strong>pricing</strong>"))
                let campaignID = try #require(
                    try await app.services.campaigns.repository.siteUpdates().first?.campaignID)
                #expect(Self.campaignMail(app, campaignID: campaignID).count == 1)
            }
        }
    }
}
