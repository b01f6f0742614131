import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Storage
import Testing
import Vault

@testable import App

/// The staff audit viewer, the daily verification with its alert, viewing purposes, and the breach report.
@Suite struct AuditViewerTests {
    static func count(_ app: TestApp, _ sql: SQLQueryString) async throws -> Int {
        try await app.services.database.sql.raw(sql).first()?.decode(column: "n", as: Int.self) ?? -1
    }

    @Test func staffFilterExportAndLookPeopleUpOnlyWithAPurpose() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a member and an owner
                _ = try await RetentionTests.register(client)
                let link = try #require(try await app.services.ownerSetupLinkIfNeeded())
                let owner = try await AdminAccessTests.signUpStaff(app, client, link: link, email: "owner@example.test")

                // The viewer lists entries and filters by action
                let all = try await owner.get("/admin/audit")
                #expect(all.status == .ok)
                #expect(all.body.contains("account.register") || all.body.contains("auth.register"))
                let staffOnly = try await owner.get("/admin/audit?action=staff.")
                #expect(staffOnly.body.contains("staff.invite") || staffOnly.body.contains("staff.setup"))
                #expect(!staffOnly.body.contains("<strong>auth.register</strong>"))
                let badDate = try await owner.get("/admin/audit?from=yesterday")
                #expect(badDate.status == .badRequest)
                #expect(badDate.body.contains("Use a date as yyyy-mm-dd."))

                // Looking a person up needs a purpose, which is recorded
                let email = AccountFlowTests.profile["email"]!
                let encoded = email.replacingOccurrences(of: "@", with: "%40")
                let noPurpose = try await owner.get("/admin/audit?person=\(encoded)")
                #expect(noPurpose.status == .badRequest)
                #expect(noPurpose.body.contains("Choose why you look this person up"))
                let person = try await owner.get("/admin/audit?person=\(encoded)&purpose=data_request")
                #expect(person.status == .ok)
                let subject = try #require(
                    try await app.services.database.sql.raw("SELECT subject_id FROM members").first()?
                        .decode(column: "subject_id", as: String.self))
                #expect(person.body.contains(subject))
                #expect(!person.body.contains("staff.invite"))
                let searches = try await app.services.database.sql.raw(
                    "SELECT details FROM audit_log WHERE action = 'audit.search_person'"
                ).all().map { try $0.decode(column: "details", as: String.self) }
                #expect(searches.count == 1)
                #expect(searches.first?.contains("data_request") == true)

                // The export has every matching entry
                let csv = try await owner.get("/admin/audit/export.csv?action=auth.")
                #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
                let lines = csv.body.split(separator: "\r\n")
                #expect(lines.first == "sequence,time,actor,action,subject,request_id,details")
                #expect(
                    lines.count - 1
                        == (try await Self.count(app, "SELECT COUNT(*) AS n FROM audit_log WHERE action LIKE 'auth.%'"))
                )
            }
        }
    }

    @Test func aBrokenChainIsShownAndTheOwnersAreMailedOnce() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let link = try #require(try await app.services.ownerSetupLinkIfNeeded())
                let owner = try await AdminAccessTests.signUpStaff(app, client, link: link, email: "owner@example.test")
                // An intact chain verifies
                #expect(try await owner.post("/admin/audit/verify", [:]).location == "/admin/audit")
                #expect(try await owner.get("/admin/audit").body.contains("alert--success"))

                // When someone changes an entry
                try await app.services.database.sql.raw("UPDATE audit_log SET details = '{}' WHERE sequence = 1").run()

                // Then the daily check finds it, the page shows it, and the owners are e-mailed once
                let result = try await app.services.auditMonitor.check()
                #expect(result == .broken(sequence: 1, problem: .changed))
                try await app.services.auditMonitor.check()
                #expect(try await owner.get("/admin/audit").body.contains("alert--error"))
                #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM outbox WHERE kind = 'audit.broken'") == 1)
            }
        }
    }

    @Test func openingSomeonesMessageAsksWhyAndRecordsIt() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                _ = try await RetentionTests.register(client)
                let link = try #require(try await app.services.ownerSetupLinkIfNeeded())
                let owner = try await AdminAccessTests.signUpStaff(app, client, link: link, email: "owner@example.test")
                let id = try #require(
                    try await app.services.database.sql.raw("SELECT id FROM outbox WHERE kind = 'account.verify'")
                        .first()?.decode(column: "id", as: String.self))

                // Without a purpose, the staff member is asked for one and nothing is shown or recorded
                let asked = try await owner.get("/admin/outbox/\(id).eml")
                #expect(asked.body.contains("Why do you open this?"))
                #expect(!asked.body.contains("Subject: Confirm"))
                #expect(
                    try await Self.count(app, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'outbox.view'") == 0)

                // With one, the message opens and the viewing is recorded with the purpose
                let opened = try await owner.get("/admin/outbox/\(id).eml?purpose=delivery")
                #expect(opened.headers[.contentType] == "text/plain; charset=utf-8")
                let details = try await app.services.database.sql.raw(
                    "SELECT details FROM audit_log WHERE action = 'outbox.view'"
                ).first()?.decode(column: "details", as: String.self)
                #expect(details?.contains("\"purpose\":\"delivery\"") == true)
            }
        }
    }

    @Test func theBreachReportListsPeopleCategoriesAndTheDeadline() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                _ = try await RetentionTests.register(client)
                let now = app.clock.milliseconds
                let discovered = now + 3_600_000
                let report = try await app.services.breachReport(
                    since: now - 86_400_000, until: now + 60_000, discoveredAt: discovered, withContacts: false)
                #expect(report.contains("People whose data was held in the window: **1**"))
                #expect(report.contains(DataExportService.iso(discovered + 72 * 3_600_000)))
                #expect(report.contains("| IP address | 1 |"))
                #expect(!report.contains(AccountFlowTests.profile["email"]!))
                let withContacts = try await app.services.breachReport(
                    since: now - 86_400_000, until: now + 60_000, discoveredAt: nil, withContacts: true)
                #expect(withContacts.contains(AccountFlowTests.profile["email"]!))
                // A window before anyone registered finds nobody
                let empty = try await app.services.breachReport(
                    since: now - 10 * 86_400_000, until: now - 9 * 86_400_000, discoveredAt: nil, withContacts: false)
                #expect(empty.contains("People whose data was held in the window: **0**"))
                #expect(
                    try await Self.count(app, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'breach.report'") == 3
                )
            }
        }
    }
}
