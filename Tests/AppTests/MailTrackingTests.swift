import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Policy
import SQLKit
import Storage
import Testing

@testable import App

/// Open and click tracking of campaign e-mails: off unless the policy declares it and the campaign switches it on,
/// and then only for members who consented to it. Runs on SQLite, and on PostgreSQL when the test command sets
/// `STEWARD_TEST_DATABASE_URL`.
@Suite struct MailTrackingTests {
    /// The shipped policy plus a tracking purpose (`mail_tracking`), its category (`mail_engagement`, kept 90 days)
    /// and the `mailTracking` declaration, written to a file for `STEWARD_POLICY_FILE`.
    static func trackingPolicyFile(in folder: URL) throws -> String {
        var text = try String(contentsOfFile: AppConfiguration.defaultPolicyFile(), encoding: .utf8)
        func insert(_ block: String, before marker: String) {
            #expect(text.components(separatedBy: marker).count == 2, "marker \(marker) must occur once")
            text = text.replacingOccurrences(of: marker, with: block + marker)
        }
        insert(
            """
              - id: mail_engagement
                name: Opens and clicks of our e-mails
                description: When you opened our campaign e-mails and which links in them you followed.

            """, before: "\n# Why we use data")
        insert(
            """
              - id: mail_tracking
                name: Newsletter statistics
                description: We record when you open our campaign e-mails and which links in them you follow.
                legalBasis: consent
                categories: [mail_engagement]
                requiresConsent: true
                consentLabel: Let us see when I open the newsletter and which links I follow

            """, before: "\n# How long each personal category is kept")
        insert(
            """
              - category: mail_engagement
                rule: days_after_collection
                days: 90

            """, before: "\n# Who else receives data")
        text += "\nmailTracking:\n  purpose: mail_tracking\n  category: mail_engagement\n"
        let file = folder.appendingPathComponent("policy-\(UUID().uuidString).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// Runs `body` in an app whose policy declares tracking.
    static func withTracking(_ body: (TestApp) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tracking-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try trackingPolicyFile(in: folder)
        try await TestApp.with(environment: ["STEWARD_POLICY_FILE": file]) { app in
            #expect(app.services.policyState.current.policy.mailTracking?.purpose == "mail_tracking")
            try await body(app)
        }
    }

    /// Registers and verifies a member on the newsletter, with or without the tracking consent.
    @discardableResult
    static func member(
        _ app: TestApp, _ client: any TestClientProtocol, email: String, tracking: Bool
    ) async throws -> Browser {
        let member = Browser(client)
        try await member.get("/account/register")
        var profile = AccountFlowTests.profile
        profile["email"] = email
        profile["consent_newsletter"] = "on"
        if tracking { profile["consent_mail_tracking"] = "on" }
        #expect(try await member.post("/account/register", profile).status == .seeOther)
        try await app.drainJobs()
        let mail = try #require(try app.deliveredMail().last { $0.contains(email) })
        let link = try #require(Browser.link(in: mail, path: "/account/verify"))
        try await member.get(link)
        return member
    }

    static let body = "Hello {{name}}, read [the news](https://example.org/news?a=1&b=2) today."

    /// Creates and sends a campaign with the given switches.
    static func send(_ app: TestApp, opens: Bool, clicks: Bool) async throws -> Campaign {
        let campaign = try await app.services.campaigns.create(
            .init(listID: "newsletter", subject: "News", body: body, tags: [], trackOpens: opens, trackClicks: clicks),
            staffID: "staff-1", requestID: nil)
        try await app.services.campaigns.sendNow(id: campaign.id, staffID: "staff-1", requestID: nil)
        try await app.services.sendCampaigns()
        return campaign
    }

    /// The decoded text and HTML parts of the message a campaign wrote for `email`.
    static func parts(_ app: TestApp, campaignID: String, email: String) throws -> (text: String, html: String) {
        let raw = try #require(NewsletterTests.campaignMail(app, campaignID: campaignID).first { $0.contains(email) })
        let decoded = quotedPrintableDecoded(raw)
        let split = decoded.components(separatedBy: "Content-Type: text/html")
        #expect(split.count == 2)
        return (split.first ?? "", split.last ?? "")
    }

    /// Quoted-printable undone over a whole message (soft breaks joined, `=XX` decoded).
    static func quotedPrintableDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "="), index + 2 < input.count,
                let value = UInt8(String(decoding: input[index + 1...index + 2], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The first path on this site starting with `prefix` in an HTML part (entities in it undone).
    static func trackingPath(_ html: String, _ prefix: String) throws -> String {
        let range = try #require(
            html.range(of: "http://127.0.0.1:8080" + prefix + #"[^"]+"#, options: .regularExpression))
        return String(html[range]).replacingOccurrences(of: "http://127.0.0.1:8080", with: "")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Checks that a downloaded export's data.json is valid against the schema and lists one open and one click.
    static func expectValidExport(_ zip: [UInt8], schema: [UInt8]) async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: DataExportTests.python),
            "run scripts/install-test-deps.sh: the test validates the export with the venv's jsonschema")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(zip).write(to: folder.appendingPathComponent("my-data.zip"))
        try Data(schema).write(to: folder.appendingPathComponent("schema.json"))
        let result = try DataExportTests.python(
            "import sys, json, zipfile, jsonschema; d = sys.argv[1]; "
                + "data = json.loads(zipfile.ZipFile(d + '/my-data.zip').read('data.json')); "
                + "s = json.load(open(d + '/schema.json')); "
                + "jsonschema.Draft202012Validator(s, format_checker=jsonschema.FormatChecker()).validate(data); "
                + "print(' '.join(sorted(e['kind'] for e in data['mail_tracking'])))",
            [folder.path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output == "click open\n")
    }

    static func count(_ app: TestApp, _ sql: String) async throws -> Int {
        try await NewsletterTests.count(app, sql)
    }

    // MARK: Sending

    @Test func onlyConsentingMembersOfATrackingCampaignGetThePixelAndTrackedLinks() async throws {
        try await Self.withTracking { app in
            try await app.test { client in
                // Given a member who consented to tracking, one who did not, and a subscriber without an account
                try await Self.member(app, client, email: "tracked@example.test", tracking: true)
                try await Self.member(app, client, email: "private@example.test", tracking: false)
                _ = try await NewsletterTests.subscribeAndConfirm(app, client, email: "guest@example.test")

                // When a campaign is sent with both switches off (the default)
                let off = try await Self.send(app, opens: false, clicks: false)

                // Then nobody's message is tracked
                for email in ["tracked@example.test", "private@example.test", "guest@example.test"] {
                    let parts = try Self.parts(app, campaignID: off.id, email: email)
                    #expect(!parts.html.contains("/t/o/") && !parts.html.contains("/t/c/"), "\(email)")
                    #expect(parts.html.contains(#"href="https://example.org/news?a=1&b=2""#))
                }

                // When a campaign is sent with both switches on
                let on = try await Self.send(app, opens: true, clicks: true)

                // Then the consenting member's HTML has the pixel and the tracked link, their text part is untouched
                let tracked = try Self.parts(app, campaignID: on.id, email: "tracked@example.test")
                #expect(tracked.html.contains(#"<img src="http://127.0.0.1:8080/t/o/"#))
                #expect(tracked.html.contains(#"width="1" height="1""#))
                let click = try Self.trackingPath(tracked.html, "/t/c/")
                #expect(click.hasSuffix("?u=https%3A%2F%2Fexample.org%2Fnews%3Fa%3D1%26b%3D2"))
                #expect(!tracked.html.contains(#"href="https://example.org/news"#))
                #expect(tracked.text.contains("https://example.org/news?a=1&b=2"))
                #expect(!tracked.text.contains("/t/"))
                // And the unsubscribe link is not tracked
                #expect(tracked.html.contains(#"href="http://127.0.0.1:8080/unsubscribe?t="#))
                // And the others get the message untouched
                for email in ["private@example.test", "guest@example.test"] {
                    let parts = try Self.parts(app, campaignID: on.id, email: email)
                    #expect(!parts.html.contains("/t/o/") && !parts.html.contains("/t/c/"), "\(email)")
                }

                // When only opens are tracked, the links stay as they are
                let opensOnly = try await Self.send(app, opens: true, clicks: false)
                let pixelOnly = try Self.parts(app, campaignID: opensOnly.id, email: "tracked@example.test")
                #expect(pixelOnly.html.contains("/t/o/") && !pixelOnly.html.contains("/t/c/"))
            }
        }
    }

    @Test func trackingNeedsTheDeclarationAndIsOffByDefault() async throws {
        try await TestApp.with { app in
            // Given the shipped policy, which declares no tracking
            #expect(app.services.policyState.current.policy.mailTracking == nil)

            // When staff ask for tracking, the campaign is refused at the tracking field
            await #expect(throws: NewsletterError.self) {
                _ = try await app.services.campaigns.create(
                    .init(listID: "newsletter", subject: "S", body: "B", tags: [], trackOpens: true),
                    staffID: "staff-1", requestID: nil)
            }
            let problems = try await app.services.campaigns.problems(
                with: .init(listID: "newsletter", subject: "S", body: "B", tags: [], trackClicks: true))
            #expect(problems["tracking"] != nil)

            // And a campaign saved without the switches does not track
            let campaign = try await app.services.campaigns.create(
                .init(listID: "newsletter", subject: "S", body: "B", tags: []), staffID: "staff-1", requestID: nil)
            let stored = try #require(try await app.services.campaigns.repository.find(id: campaign.id))
            #expect(!stored.trackOpens && !stored.trackClicks)
        }
        try await Self.withTracking { app in
            // Given a policy that declares tracking, the switches are stored as ticked, and off when not ticked
            let plain = try await app.services.campaigns.create(
                .init(listID: "newsletter", subject: "S", body: "B", tags: []), staffID: "staff-1", requestID: nil)
            #expect(!plain.trackOpens && !plain.trackClicks)
            let tracked = try await app.services.campaigns.create(
                .init(listID: "newsletter", subject: "S", body: "B", tags: [], trackOpens: true, trackClicks: true),
                staffID: "staff-1", requestID: nil)
            let stored = try #require(try await app.services.campaigns.repository.find(id: tracked.id))
            #expect(stored.trackOpens && stored.trackClicks)
        }
    }

    // MARK: Staff console

    @Test func staffSwitchTrackingOnTheFormAndSeeWhoOpenedAndClicked() async throws {
        try await Self.withTracking { app in
            try await app.test { client in
                // Given an owner in the console and a member who consented to tracking
                let link = try #require(try await app.services.ownerSetupLinkIfNeeded())
                let staff = try await AdminAccessTests.signUpStaff(app, client, link: link, email: "owner@example.test")
                try await Self.member(app, client, email: "tracked@example.test", tracking: true)

                // When they open a new campaign form, both switches are there and off
                let form = try await staff.get("/admin/campaigns/new")
                #expect(form.body.contains(#"name="track_opens" value="on">"#))
                #expect(form.body.contains(#"name="track_clicks" value="on">"#))

                // When they save a campaign with both ticked and send it
                let saved = try await staff.post(
                    "/admin/campaigns",
                    [
                        "listID": "newsletter", "subject": "News", "body": Self.body, "tags": "",
                        "track_opens": "on", "track_clicks": "on",
                    ])
                let path = try #require(saved.location)
                let id = String(path.dropFirst("/admin/campaigns/".count))
                let stored = try #require(try await app.services.campaigns.repository.find(id: id))
                #expect(stored.trackOpens && stored.trackClicks)
                try await staff.get(path)
                #expect(try await staff.post(path + "/send", [:]).status == .seeOther)
                try await app.services.sendCampaigns()

                // And the member opens it and follows the link
                let html = try Self.parts(app, campaignID: id, email: "tracked@example.test").html
                _ = try await client.execute(uri: try Self.trackingPath(html, "/t/o/"), method: .get)
                _ = try await client.execute(uri: try Self.trackingPath(html, "/t/c/"), method: .get)

                // Then the campaign page counts one recipient who opened and one who clicked
                let page = try await staff.get(path)
                #expect(page.body.contains(#"<strong id="count-opened">1</strong> opened"#))
                #expect(page.body.contains(#"<strong id="count-clicked">1</strong> clicked"#))

                // And the edit form shows the switches as saved
                let edit = try await staff.get(path + "?edit")
                #expect(edit.body.contains(#"name="track_opens" value="on" checked>"#))
            }
        }
        try await TestApp.with { app in
            try await app.test { client in
                // Given the shipped policy, which declares no tracking, the form offers no switch
                let link = try #require(try await app.services.ownerSetupLinkIfNeeded())
                let staff = try await AdminAccessTests.signUpStaff(app, client, link: link, email: "owner@example.test")
                let form = try await staff.get("/admin/campaigns/new")
                #expect(form.status == .ok)
                #expect(!form.body.contains("track_opens"))
                #expect(form.body.contains("Open and click tracking is off"))
            }
        }
    }

    // MARK: Routes

    @Test func eventsAreRecordedOnlyWithAValidSignatureAndCurrentConsent() async throws {
        try await Self.withTracking { app in
            try await app.test { client in
                // Given a consenting member who received a tracked campaign
                let member = try await Self.member(app, client, email: "tracked@example.test", tracking: true)
                let campaign = try await Self.send(app, opens: true, clicks: true)
                let html = try Self.parts(app, campaignID: campaign.id, email: "tracked@example.test").html
                let pixel = try Self.trackingPath(html, "/t/o/")
                let click = try Self.trackingPath(html, "/t/c/")

                // When the pixel is loaded twice and the link followed
                let first = try await client.execute(uri: pixel, method: .get)
                _ = try await client.execute(uri: pixel, method: .get)
                let followed = try await client.execute(uri: click, method: .get)

                // Then the pixel is a GIF, the link redirects to the article, no cookie is set, and both are recorded
                #expect(first.status == .ok && first.headers[.contentType] == "image/gif")
                #expect(String(buffer: first.body).hasPrefix("GIF89a"))
                #expect(followed.status == .found)
                #expect(followed.headers[.location] == "https://example.org/news?a=1&b=2")
                #expect(first.headers[values: .setCookie].isEmpty && followed.headers[values: .setCookie].isEmpty)
                #expect(try await Self.count(app, "SELECT times AS n FROM mail_opens") == 2)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM mail_clicks") == 1)
                let counts = try await app.services.campaigns.tracking.counts(campaignID: campaign.id)
                #expect(counts.opened == 1 && counts.clicked == 1)

                // When the signature is forged, or the URL swapped under a valid signature
                let forgedPixel = pixel.replacingOccurrences(of: ".gif", with: "x.gif")
                let forgedOpen = try await client.execute(uri: forgedPixel, method: .get)
                let forgedClick = try await client.execute(
                    uri: click.replacingOccurrences(of: "?u=", with: "A?u="), method: .get)
                let otherURL = try await client.execute(
                    uri: String(click.prefix { $0 != "?" }) + "?u=https%3A%2F%2Fevil.example%2F", method: .get)

                // Then the pixel still answers the same image without recording, and the links are 404s
                #expect(forgedOpen.status == .ok && Array(buffer: forgedOpen.body) == Array(buffer: first.body))
                #expect(forgedClick.status == .notFound && forgedClick.headers[.location] == nil)
                #expect(otherURL.status == .notFound && otherURL.headers[.location] == nil)
                #expect(try await Self.count(app, "SELECT times AS n FROM mail_opens") == 2)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM mail_clicks") == 1)

                // When the member withdraws the tracking consent after the send
                try await member.get("/account/privacy")
                try await member.post("/account/privacy/consents", ["purpose": "mail_tracking", "action": "withdraw"])
                let later = try await client.execute(uri: pixel, method: .get)
                let laterClick = try await client.execute(uri: click, method: .get)

                // Then nothing more is recorded, though the image and the redirect still work
                #expect(later.status == .ok)
                #expect(laterClick.status == .found)
                #expect(try await Self.count(app, "SELECT times AS n FROM mail_opens") == 2)
                #expect(try await Self.count(app, "SELECT SUM(times) AS n FROM mail_clicks") == 1)
            }
        }
    }

    // MARK: Rights and retention

    @Test func theExportListsEventsAndErasureDeletesThem() async throws {
        try await Self.withTracking { app in
            try await app.test { client in
                // Given a consenting member whose open and click were recorded
                let browser = try await Self.member(app, client, email: "tracked@example.test", tracking: true)
                let campaign = try await Self.send(app, opens: true, clicks: true)
                let html = try Self.parts(app, campaignID: campaign.id, email: "tracked@example.test").html
                _ = try await client.execute(uri: try Self.trackingPath(html, "/t/o/"), method: .get)
                _ = try await client.execute(uri: try Self.trackingPath(html, "/t/c/"), method: .get)

                // When they download their data, data.json lists both and is valid against the published schema
                try await browser.get("/account/privacy")
                let download = try await browser.post("/account/privacy/export", [:])
                #expect(download.status == .ok)
                try await Self.expectValidExport(
                    download.bytes, schema: try await browser.get("/privacy/export-schema.json").bytes)

                // And the export service says the same
                let member = try #require(try await app.services.members.find(email: "tracked@example.test"))
                let export = try #require(try await app.services.dataExports.export(memberID: member.id))

                // Then the open and the click are in it, and counted in the tracking category
                #expect(export.mailTracking.map(\.kind).sorted() == ["click", "open"])
                #expect(export.mailTracking.first { $0.kind == "click" }?.url == "https://example.org/news?a=1&b=2")
                #expect(export.mailTracking.allSatisfy { $0.campaign == "News" })
                #expect(export.categories.first { $0.id == "mail_engagement" }?.items == 2)

                // When the account is erased
                try await app.services.accounts.erase(member: member, actor: .system, requestID: nil)

                // Then the rows are gone
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM mail_opens") == 0)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM mail_clicks") == 0)
            }
        }
    }

    @Test func retentionDeletesEventsAfterTheCategorysDays() async throws {
        try await Self.withTracking { app in
            try await app.test { client in
                // Given recorded events
                try await Self.member(app, client, email: "tracked@example.test", tracking: true)
                let campaign = try await Self.send(app, opens: true, clicks: true)
                let html = try Self.parts(app, campaignID: campaign.id, email: "tracked@example.test").html
                _ = try await client.execute(uri: try Self.trackingPath(html, "/t/o/"), method: .get)
                _ = try await client.execute(uri: try Self.trackingPath(html, "/t/c/"), method: .get)

                // When retention runs before the declared 90 days, nothing goes
                app.clock.advance(by: 89 * 86_400)
                _ = try await app.services.retention.run(dryRun: false)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM mail_opens") == 1)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM mail_clicks") == 1)

                // When it runs after them, both rows go, under the tracking category
                app.clock.advance(by: 2 * 86_400)
                let counts = try await app.services.retention.run(dryRun: false)
                #expect(counts.first { $0.task == "mail_opens" }?.category == "mail_engagement")
                #expect(counts.first { $0.task == "mail_opens" }?.count == 1)
                #expect(counts.first { $0.task == "mail_clicks" }?.count == 1)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM mail_opens") == 0)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM mail_clicks") == 0)
            }
        }
    }

    @Test func objectingToMarketingWithdrawsTheTrackingConsent() async throws {
        try await Self.withTracking { app in
            try await app.test { client in
                // Given a member who consented to tracking
                let member = try await Self.member(app, client, email: "tracked@example.test", tracking: true)
                let subject = try await ConsentTests.subjectID(app)
                #expect(
                    try await app.services.consent.may(
                        purpose: "mail_tracking", category: "mail_engagement", subjectID: subject
                    ).isAllowed)

                // When they object to marketing
                try await member.get("/account/privacy")
                #expect(try await member.post("/account/privacy/object", [:]).status == .seeOther)

                // Then the tracking consent is withdrawn too
                #expect(
                    try await !app.services.consent.may(
                        purpose: "mail_tracking", category: "mail_engagement", subjectID: subject
                    ).isAllowed)
            }
        }
    }
}
