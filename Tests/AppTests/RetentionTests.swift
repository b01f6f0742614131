import Foundation
import HummingbirdTesting
import SQLKit
import Storage
import Testing

@testable import App

/// The retention rules, on a fake clock: each limit is checked the day before, on the day, and the day after.
@Suite struct RetentionTests {
    static let day: TimeInterval = 86_400

    static func count(_ app: TestApp, _ sql: SQLQueryString) async throws -> Int {
        try await app.services.database.sql.raw(sql).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Registers a member through the web form; returns their browser.
    static func register(_ client: any TestClientProtocol) async throws -> Browser {
        let browser = Browser(client)
        try await browser.get("/account/register")
        try await browser.post("/account/register", AccountFlowTests.profile)
        return browser
    }

    @Test func theSecurityLogGoesAfterItsNinetyDaysAndNotADayBefore() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a member whose registration was logged with their IP address
                _ = try await Self.register(client)
                let logged = try await Self.count(app, "SELECT COUNT(*) AS n FROM security_events")
                #expect(logged >= 1)

                // When 89, then 90 days have passed, the lines stay
                app.clock.advance(by: 89 * Self.day)
                _ = try await app.services.retention.run(dryRun: false)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM security_events") == logged)
                app.clock.advance(by: Self.day)
                _ = try await app.services.retention.run(dryRun: false)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM security_events") == logged)

                // And on day 91 a dry run counts them without deleting, and a real run deletes them
                app.clock.advance(by: Self.day)
                let dry = try await app.services.retention.run(dryRun: true)
                #expect(dry.first { $0.task == "security_log" }?.count == logged)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM security_events") == logged)
                let real = try await app.services.retention.run(dryRun: false)
                #expect(real.first { $0.task == "security_log" }?.count == logged)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM security_events") == 0)
                // But the account itself stays: it is still in use
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM members") == 1)

                // And a second run finds nothing left, and both runs are in the audit log with their counts
                let again = try await app.services.retention.run(dryRun: false)
                #expect(again.first { $0.task == "security_log" }?.count == 0)
                let runs = try await app.services.database.sql.raw(
                    "SELECT details FROM audit_log WHERE action = 'retention.run' ORDER BY sequence"
                ).all().map { try $0.decode(column: "details", as: String.self) }
                #expect(runs.count == 4)
                #expect(runs[2].contains("\"security_log\":\"\(logged)\""))
            }
        }
    }

    @Test func consentEvidenceOfSomeoneGoneIsKept365DaysThenDeletedInBatches() async throws {
        try await TestApp.with { app in
            // Given ten consent records of a person who is gone, and one of a current member
            let now = app.clock.milliseconds
            for index in 0..<10 {
                try await app.services.database.sql.raw(
                    """
                    INSERT INTO consent_records (id, subject_id, purpose, granted, policy_version, policy_hash, method,
                        request_id, created_at, updated_at)
                    VALUES (\(bind: "gone-\(index)"), 'gone', 'newsletter', \(bind: true), 1, 'h', 'settings', NULL,
                        \(bind: now), \(bind: now))
                    """
                ).run()
            }
            var retention = app.services.retention
            retention.batchSize = 3

            // Then they stay on days 364 and 365 after the last one, and go on day 366, three at a time
            app.clock.advance(by: 364 * Self.day)
            _ = try await retention.run(dryRun: false)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM consent_records") == 10)
            app.clock.advance(by: Self.day)
            _ = try await retention.run(dryRun: false)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM consent_records") == 10)
            app.clock.advance(by: Self.day)
            let counts = try await retention.run(dryRun: false)
            #expect(counts.first { $0.task == "consent_records" }?.count == 10)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM consent_records") == 0)
        }
    }

    @Test func anUnusedAccountIsWarnedThenErasedUnlessTheMemberSignsIn() async throws {
        try await TestApp.with(environment: ["STEWARD_INACTIVE_ACCOUNT_DAYS": "365"]) { app in
            try await app.test { client in
                // Given a member who registered and never came back
                _ = try await Self.register(client)
                let subject = try await app.services.database.sql.raw("SELECT subject_id FROM members").first()?
                    .decode(column: "subject_id", as: String.self)

                // When 364 and 365 days have passed, nothing happens
                app.clock.advance(by: 365 * Self.day)
                var counts = try await app.services.retention.run(dryRun: false)
                #expect(counts.first { $0.task == "inactive_warned" }?.count == 0)

                // And on day 366 they are warned by e-mail with the date of the deletion
                app.clock.advance(by: Self.day)
                counts = try await app.services.retention.run(dryRun: false)
                #expect(counts.first { $0.task == "inactive_warned" }?.count == 1)
                #expect(
                    try await Self.count(
                        app, "SELECT COUNT(*) AS n FROM outbox WHERE kind = 'account.inactive'") == 1)
                // And not warned twice
                counts = try await app.services.retention.run(dryRun: false)
                #expect(counts.first { $0.task == "inactive_warned" }?.count == 0)

                // And 29 days later the account is still there; after 30 days without a sign-in it is erased,
                // data key first
                app.clock.advance(by: 29 * Self.day)
                counts = try await app.services.retention.run(dryRun: false)
                #expect(counts.first { $0.task == "inactive_erased" }?.count == 0)
                app.clock.advance(by: 2 * Self.day)
                counts = try await app.services.retention.run(dryRun: false)
                #expect(counts.first { $0.task == "inactive_erased" }?.count == 1)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM members") == 0)
                #expect(
                    try await Self.count(
                        app, "SELECT COUNT(*) AS n FROM data_keys WHERE subject_id = \(bind: subject ?? "")") == 0)
            }
        }
    }

    @Test func signingInAfterTheWarningKeepsTheAccount() async throws {
        try await TestApp.with(environment: ["STEWARD_INACTIVE_ACCOUNT_DAYS": "365"]) { app in
            try await app.test { client in
                // Given a member warned after a year without signing in
                let browser = try await Self.register(client)
                app.clock.advance(by: 366 * Self.day)
                _ = try await app.services.retention.run(dryRun: false)
                #expect(
                    try await Self.count(
                        app, "SELECT COUNT(*) AS n FROM members WHERE inactivity_warned_at IS NOT NULL") == 1)

                // When they sign in
                try await browser.post("/account/logout", [:])
                try await browser.get("/account/login")
                let signedIn = try await browser.post(
                    "/account/login",
                    ["email": AccountFlowTests.profile["email"]!, "password": AccountFlowTests.profile["password"]!])
                #expect(signedIn.location != nil)

                // Then the warning is cleared and 31 days later the account is still there
                #expect(
                    try await Self.count(
                        app, "SELECT COUNT(*) AS n FROM members WHERE inactivity_warned_at IS NOT NULL") == 0)
                app.clock.advance(by: 31 * Self.day)
                let counts = try await app.services.retention.run(dryRun: false)
                #expect(counts.first { $0.task == "inactive_erased" }?.count == 0)
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM members") == 1)
            }
        }
    }

    @Test func aSubscriberWithNoSubscriptionLeftIsShreddedAndThePlanListsDates() async throws {
        try await TestApp.with { app in
            // Given a subscriber without an account who has no subscription any more, and one who still has one
            let now = app.clock.milliseconds
            let keyring = app.services.keyring
            for (id, subscribed) in [("s-gone", false), ("s-kept", true)] {
                try await app.services.database.transaction { db in
                    let key = try await keyring.create(subject: "subject-\(id)", now: now, on: db)
                    try await db.insert(into: "subscribers")
                        .columns(
                            "id", "subject_id", "member_id", "email_index", "email_enc", "name_enc", "created_at",
                            "updated_at"
                        )
                        .values(
                            SQLBind(id), SQLBind("subject-\(id)"), SQLBind(String?.none), SQLBind("index-\(id)"),
                            SQLBind(key.sealColumn("\(id)@example.test", "subscribers.email_enc")),
                            SQLBind(key.sealColumn("Name", "subscribers.name_enc")), SQLBind(now), SQLBind(now)
                        ).run()
                    if subscribed {
                        try await db.raw(
                            """
                            INSERT INTO mailing_lists (id, name, description, purpose, visibility, created_at, updated_at)
                            SELECT 'list-r', 'R', '', 'newsletter', 'public', \(bind: now), \(bind: now)
                            WHERE NOT EXISTS (SELECT 1 FROM mailing_lists WHERE id = 'list-r')
                            """
                        ).run()
                        try await db.insert(into: "subscriptions")
                            .columns(
                                "list_id", "subscriber_id", "status", "source", "consented_at", "confirmed_at",
                                "created_at", "updated_at"
                            )
                            .values(
                                SQLBind("list-r"), SQLBind(id), SQLBind("active"), SQLBind("form"), SQLBind(now),
                                SQLBind(now), SQLBind(now), SQLBind(now)
                            ).run()
                    }
                }
            }

            // Then the plan shows the subscriber due today
            let plan = try await app.services.retention.plan()
            #expect(plan.contains { $0.task == "subscribers" && $0.count == 1 && $0.day == now / 86_400_000 })

            // When the rules run, the one without subscriptions is gone, key first; the other stays
            let counts = try await app.services.retention.run(dryRun: false)
            #expect(counts.first { $0.task == "subscribers" }?.count == 1)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM subscribers") == 1)
            #expect(try await keyring.key(for: "subject-s-gone") == nil)
            #expect(try await keyring.key(for: "subject-s-kept") != nil)
        }
    }

    @Test func theMemberSeesTheDatesTheirDataGoes() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a member who just registered
                let browser = try await Self.register(client)
                let today = app.clock.milliseconds / 86_400_000

                // Then their privacy page dates the next deletions: the oldest sign-in record 90 days on, and the
                // account's inactivity limit 730 days on
                let page = try await browser.get("/account/privacy")
                #expect(page.body.contains("Next deletion: \(CivilDate.short(today + 90)) (the oldest entry)."))
                #expect(page.body.contains("Unless you sign in by \(CivilDate.short(today + 730))"))
            }
        }
    }
}
