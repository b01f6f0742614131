import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Storage
import Testing

@testable import App

/// Data requests from filing to answer: confirmation, deadlines on a fake clock, reminders, extension, fulfilment.
@Suite struct PrivacyRequestTests {
    static let day: TimeInterval = 86_400

    static func count(_ app: TestApp, _ sql: SQLQueryString) async throws -> Int {
        try await app.services.database.sql.raw(sql).first()?.decode(column: "n", as: Int.self) ?? -1
    }

    /// Files a request through the public form and opens the confirmation link from the e-mail.
    static func fileAndConfirm(
        _ app: TestApp, _ client: any TestClientProtocol, kind: String, email: String, details: String = ""
    ) async throws -> String {
        let visitor = Browser(client)
        #expect(try await visitor.get("/privacy/request").status == .ok)
        let posted = try await visitor.post("/privacy/request", ["kind": kind, "email": email, "details": details])
        #expect(posted.location == "/privacy/request?sent=1")
        let sent = try await visitor.get("/privacy/request?sent=1")
        #expect(sent.body.contains("open it to confirm your request"))
        try await app.drainJobs()
        let mail = try #require(
            try app.deliveredMail().last { $0.contains("Confirm your request") && $0.contains(email) })
        let link = try #require(Browser.link(in: mail, path: "/privacy/request/confirm"))
        let confirmed = try await visitor.get(link)
        #expect(confirmed.status == .ok)
        #expect(confirmed.body.contains("Your request is confirmed"))
        let row = try await app.services.database.sql.raw(
            "SELECT id FROM privacy_requests ORDER BY created_at DESC LIMIT 1"
        ).first()
        return try #require(try row?.decode(column: "id", as: String.self))
    }

    static func owner(_ app: TestApp, _ client: any TestClientProtocol) async throws -> Browser {
        let link = try #require(try await app.services.ownerSetupLinkIfNeeded())
        return try await AdminAccessTests.signUpStaff(app, client, link: link, email: "owner@example.test")
    }

    @Test func theDeadlineIsTheDeclaredDaysAndNeverBeyondTheLegalMonth() {
        let dayMS: Int64 = 86_400_000
        let jan10 = CivilDate.parse("2027-01-10")! * dayMS
        #expect(PrivacyRequestService.deadline(from: jan10, days: 14) == jan10 + 14 * dayMS)
        // 45 days would pass the legal month: the deadline stops at the same day of the next month
        #expect(CivilDate.iso(PrivacyRequestService.deadline(from: jan10, days: 45) / dayMS) == "2027-02-10")
        let jan31 = CivilDate.parse("2027-01-31")! * dayMS
        #expect(CivilDate.iso(PrivacyRequestService.deadline(from: jan31, days: 45) / dayMS) == "2027-02-28")
        let dec20 = CivilDate.parse("2027-12-20")! * dayMS
        #expect(CivilDate.iso(PrivacyRequestService.deadline(from: dec20, days: 60) / dayMS) == "2028-01-20")
    }

    @Test func badInputIsRefusedAtTheFieldAndNothingIsFiled() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let visitor = Browser(client)
                try await visitor.get("/privacy/request")
                let noKind = try await visitor.post("/privacy/request", ["email": "not an address either"])
                #expect(noKind.status == .badRequest)
                #expect(noKind.body.contains("Choose what you ask for."))
                // (the address is checked too, at the same time)
                #expect(noKind.body.contains("aria-invalid=\"true\" aria-describedby=\"f-email-error\""))
                let badEmail = try await visitor.post(
                    "/privacy/request", ["kind": "access", "email": "not an address"])
                #expect(badEmail.status == .badRequest)
                #expect(badEmail.body.contains("value=\"not an address\""))
                let noDetails = try await visitor.post(
                    "/privacy/request", ["kind": "correction", "email": "a@example.test"])
                #expect(noDetails.body.contains("Tell us what is wrong"))
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM privacy_requests") == 0)
            }
        }
    }

    @Test func anAccessRequestIsAnsweredWithADownloadOfEverythingHeld() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a member, and an owner in the console
                let member = Browser(client)
                try await member.get("/account/register")
                try await member.post("/account/register", AccountFlowTests.profile)
                let owner = try await Self.owner(app, client)

                // When someone with the member's address files an access request and confirms it
                let id = try await Self.fileAndConfirm(
                    app, client, kind: "access", email: AccountFlowTests.profile["email"]!)

                // Then the privacy staff are told, and it is in the queue with its deadline
                try await app.drainJobs()
                #expect(
                    try app.deliveredMail().contains {
                        $0.contains("owner@example.test") && $0.contains("New data request")
                    })
                let queue = try await owner.get("/admin/requests")
                #expect(queue.status == .ok)
                #expect(queue.body.contains("A copy of my data"))
                #expect(queue.body.contains("14 days left"))

                // And opening it shows what Steward holds, and is audited
                let detail = try await owner.get("/admin/requests/\(id)")
                #expect(detail.body.contains("A member account (Zelda Canarynova"))
                #expect(
                    try await Self.count(
                        app, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'privacy.request.view'") == 1)

                // When the owner fulfils it
                let fulfilled = try await owner.post("/admin/requests/\(id)/fulfil", ["note": ""])
                #expect(fulfilled.location == "/admin/requests/\(id)")

                // Then the requester gets a link that downloads the member's data as a ZIP
                try await app.drainJobs()
                let answer = try #require(try app.deliveredMail().last { $0.contains("our answer") })
                let link = try #require(Browser.link(in: answer, path: "/privacy/request/download"))
                let download = try await Browser(client).get(link)
                #expect(download.status == .ok)
                #expect(download.headers[.contentType] == "application/zip")
                #expect(download.bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]))
                #expect(String(decoding: download.bytes, as: UTF8.self).contains("Canarystraat 77"))
                // And a second answer is refused, and the figures count it
                #expect(try await owner.post("/admin/requests/\(id)/refuse", ["reason": "x"]).status == .conflict)
                let figures = try await app.services.privacyRequests.figures()
                #expect(figures.medianHours != nil)
                #expect(figures.open == 0)
                // And every step is in the audit log
                let actions = try await app.services.database.sql.raw(
                    "SELECT action FROM audit_log WHERE action LIKE 'privacy.request.%'"
                ).all().map { try $0.decode(column: "action", as: String.self) }
                #expect(
                    Set(actions).isSuperset(of: [
                        "privacy.request.file", "privacy.request.confirm", "privacy.request.fulfil",
                    ]))
            }
        }
    }

    @Test func remindersComeOnDayTenAndWhenOverdueAndAnExtensionTellsTheRequester() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let id = try await Self.fileAndConfirm(app, client, kind: "objection", email: "someone@example.test")
                let service = app.services.privacyRequests

                // Day 9: no reminder; day 10: one, once
                app.clock.advance(by: 9 * Self.day)
                #expect(try await service.sendReminders() == (0, 0))
                app.clock.advance(by: Self.day)
                #expect(try await service.sendReminders() == (1, 0))
                #expect(try await service.sendReminders() == (0, 0))

                // Days 13 and 14: not overdue; day 15: overdue, highlighted, staff told once
                app.clock.advance(by: 3 * Self.day)
                #expect(try await service.sendReminders().overdue == 0)
                app.clock.advance(by: Self.day)
                #expect(try await service.sendReminders().overdue == 0)
                #expect(try await service.figures().overdue == 0)
                app.clock.advance(by: Self.day)
                #expect(try await service.sendReminders().overdue == 1)
                #expect(try await service.figures().overdue == 1)
                // (staff sessions last 8 hours: the owner signs up now)
                let owner = try await Self.owner(app, client)
                #expect(try await owner.get("/admin/requests").body.contains("row--overdue"))

                // An extension needs a reason; with one, the deadline moves and the requester is told why
                let noReason = try await owner.post("/admin/requests/\(id)/extend", ["days": "14", "reason": ""])
                #expect(noReason.status == .badRequest)
                #expect(noReason.body.contains("Say why"))
                let extended = try await owner.post(
                    "/admin/requests/\(id)/extend", ["days": "14", "reason": "We are checking our backups."])
                #expect(extended.location == "/admin/requests/\(id)")
                #expect(try await service.figures().overdue == 0)
                try await app.drainJobs()
                #expect(
                    try app.deliveredMail().contains {
                        $0.contains("We need more time") && $0.contains("checking our backups")
                    })

                // And fulfilling the objection suppresses the address everywhere
                try await owner.post("/admin/requests/\(id)/fulfil", ["note": ""])
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM suppressions WHERE list_id = '*'") == 1)
            }
        }
    }

    @Test func anErasureRequestFromASubscriberShredsTheirRecords() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given someone subscribed to the newsletter without an account
                _ = try await NewsletterTests.subscribeAndConfirm(app, client, email: "reader@example.test")
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM subscribers") == 1)
                let owner = try await Self.owner(app, client)

                // When they ask for erasure and the owner fulfils it
                let id = try await Self.fileAndConfirm(app, client, kind: "erasure", email: "reader@example.test")
                #expect(try await owner.get("/admin/requests/\(id)").body.contains("1 subscriber record(s)"))
                try await owner.post("/admin/requests/\(id)/fulfil", ["note": ""])

                // Then the subscriber and their key are gone, and the answer says what was erased
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM subscribers") == 0)
                try await app.drainJobs()
                let answer = try #require(try app.deliveredMail().last { $0.contains("our answer") })
                #expect(NewsletterTests.unfolded(answer).contains("newsletter subscriptions"))
                // And it lists the recipient that had their data (the mail relay delivered their confirmation)
                #expect(NewsletterTests.unfolded(answer).contains("(GDPR Art. 19): Our e-mail delivery provider"))
                let fulfilled = try await app.services.database.sql.raw(
                    "SELECT details FROM audit_log WHERE action = 'privacy.request.fulfil'"
                ).first()?.decode(column: "details", as: String.self)
                #expect(fulfilled?.contains("Our e-mail delivery provider") == true)
            }
        }
    }
}
