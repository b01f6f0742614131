import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import Storage
import Testing

@testable import App

/// The staff dashboard, its CSV export, API tokens and the `/api/stats` API.
@Suite struct StatsAPITests {
    /// Signs up an owner, records a few events for today and rolls them up.
    static func prepared(_ app: TestApp, _ client: any TestClientProtocol) async throws -> Browser {
        let link = try #require(try await app.services.ownerSetupLinkIfNeeded())
        let owner = try await AdminAccessTests.signUpStaff(app, client, link: link, email: "owner@example.test")
        let now = app.clock.milliseconds
        let events = [
            AnalyticsRollupTests.event(0, path: "/", visitor: "a", source: "Google"),
            AnalyticsRollupTests.event(7, path: "/pricing", visitor: "a", source: "Google"),
            AnalyticsRollupTests.event(0, path: "/", visitor: "b"),
            AnalyticsRollupTests.event(1, "outbound", path: "/", visitor: "b", link: "https://other.example/"),
        ]
        for var event in events {
            event.occurredAt = event.occurredAt - AnalyticsRollupTests.dayStart + now - 600_000
            _ = try await app.services.analyticsIngestor.accept(event)
        }
        try await app.services.analyticsIngestor.flush()
        try await app.services.analyticsRollups.run()
        return owner
    }

    static func token(from html: String) throws -> String {
        let range = try #require(html.range(of: #"stw_[A-Za-z0-9_-]{43}"#, options: .regularExpression))
        return String(html[range])
    }

    static func get(_ client: any TestClientProtocol, _ path: String, token: String?) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: path, method: .get, headers: headers)
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
    }

    @Test func theDashboardShowsTheFiguresAndExportsThemAsCSV() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let owner = try await Self.prepared(app, client)

                // When the owner opens the dashboard for today
                let page = try await owner.get("/admin/analytics?period=today")

                // Then it shows the figures, the chart, the tables and links that filter
                #expect(page.status == .ok)
                #expect(page.body.contains("Unique visitors"))
                #expect(page.body.contains("<svg"))
                #expect(page.body.contains("/pricing"))
                #expect(page.body.contains("https://other.example/"))
                #expect(page.body.contains("filter=source:Google") || page.body.contains("filter=source%3AGoogle"))

                // And a filter narrows it to the visits from Google
                let google = try await owner.get("/admin/analytics?period=today&filter=source:Google")
                #expect(google.status == .ok)
                #expect(google.body.contains("Source"))

                // And a bad custom range says which date is wrong, and shows the last 30 days instead
                let bad = try await owner.get("/admin/analytics?period=custom&from=2026-02-30&to=2026-03-01")
                #expect(bad.status == .badRequest)
                #expect(bad.body.contains("Start date must be a date as yyyy-mm-dd"))

                // And the CSV export holds the totals and every breakdown
                let csv = try await owner.get("/admin/analytics/export.csv?period=today")
                #expect(csv.status == .ok)
                #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
                let lines = csv.body.split(separator: "\r\n").map(String.init)
                #expect(lines.first?.hasPrefix("table,value,visitors,pageviews,visits") == true)
                #expect(lines.contains { $0.hasPrefix("totals,,2,3,2,") })
                #expect(lines.contains { $0.hasPrefix("page,/pricing,1,1,") })
                #expect(lines.contains { $0.hasPrefix("outbound,https://other.example/,1,0,0,") })
                #expect(lines.filter { $0.hasPrefix("hour,") }.count == 24)
            }
        }
    }

    @Test func theAPIAnswersStaffTokensOnlyWithClearErrors() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let owner = try await Self.prepared(app, client)

                // Without a token, or with a made-up one, the API answers 401 and says how to authenticate
                let anonymous = try await Self.get(client, "/api/stats/overview", token: nil)
                #expect(anonymous.status == .unauthorized)
                #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(
                    try await Self.get(client, "/api/stats/overview", token: "stw_" + String(repeating: "x", count: 43))
                        .status == .unauthorized)

                // When the owner creates a token in the console
                let empty = try await owner.post("/admin/tokens", ["name": " "])
                #expect(empty.status == .badRequest)
                #expect(empty.body.contains("Give the token a name"))
                let created = try await owner.post("/admin/tokens", ["name": "reporting"])
                #expect(created.status == .ok)
                let token = try Self.token(from: created.body)
                #expect(try await owner.get("/admin/tokens").body.contains(token) == false)

                // Then the overview answers with today's figures
                let overview = try await Self.get(client, "/api/stats/overview?period=today", token: token)
                #expect(overview.status == .ok)
                #expect(overview.headers[.setCookie] == nil)
                let body = try Self.json(overview)
                let totals = try #require(body["totals"] as? [String: Any])
                #expect(totals["visitors"] as? Int == 2)
                #expect(totals["visits"] as? Int == 2)
                #expect(totals["pageviews"] as? Int == 3)
                #expect(totals["bounce_rate"] as? Double == 0.5)
                #expect(body["granularity"] as? String == "hour")
                #expect((body["series"] as? [Any])?.count == 24)
                #expect(body["realtime_visitors"] as? Int == 1)
                let breakdowns = try #require(body["breakdowns"] as? [String: Any])
                #expect(Set(breakdowns.keys) == Set(StatsDimension.allCases.map(\.rawValue)))

                // And breakdowns, the series and the realtime count have their own routes
                let sources = try Self.json(
                    try await Self.get(client, "/api/stats/breakdown?dimension=source&period=7d", token: token))
                let results = try #require(sources["results"] as? [[String: Any]])
                #expect(
                    results.map { $0["value"] as? String } == ["", "Google"]
                        || results.map { $0["value"] as? String } == ["Google", ""])
                let series = try Self.json(try await Self.get(client, "/api/stats/timeseries?period=7d", token: token))
                #expect((series["series"] as? [Any])?.count == 7)
                let realtime = try Self.json(try await Self.get(client, "/api/stats/realtime", token: token))
                #expect(realtime["visitors_last_5_minutes"] as? Int == 1)

                // And bad parameters get 400 naming the parameter
                let badPeriod = try await Self.get(client, "/api/stats/overview?period=year", token: token)
                #expect(badPeriod.status == .badRequest)
                let error = try #require(try Self.json(badPeriod)["error"] as? [String: Any])
                #expect(error["field"] as? String == "period")
                let badDimension = try await Self.get(client, "/api/stats/breakdown?dimension=colour", token: token)
                #expect(
                    try #require(try Self.json(badDimension)["error"] as? [String: Any])["field"] as? String
                        == "dimension")
                let unavailable = try await Self.get(
                    client, "/api/stats/breakdown?dimension=entry&filter=page:/", token: token)
                #expect(unavailable.status == .badRequest)

                // And once revoked, the token no longer works
                let listed = try await owner.get("/admin/tokens")
                let revoke = try #require(
                    listed.body.range(of: #"/admin/tokens/[^/"]+/revoke"#, options: .regularExpression))
                let revoked = try await owner.post(String(listed.body[revoke]), [:])
                #expect(revoked.location == "/admin/tokens")
                #expect(try await Self.get(client, "/api/stats/overview", token: token).status == .unauthorized)

                // And token creation and revocation are in the audit log
                let actions = try await app.services.database.sql.raw("SELECT action FROM audit_log").all()
                    .map { try $0.decode(column: "action", as: String.self) }
                #expect(actions.contains("staff.token.create"))
                #expect(actions.contains("staff.token.revoke"))
            }
        }
    }

    @Test func theOpenAPIDescriptionListsEveryRoute() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let response = try await client.execute(uri: "/api/openapi.yaml", method: .get)
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                for path in [
                    "/api/stats/overview", "/api/stats/timeseries", "/api/stats/breakdown", "/api/stats/realtime",
                ] {
                    #expect(text.contains("  \(path):"), "\(path) is described")
                }
                for dimension in StatsDimension.allCases {
                    #expect(text.contains(dimension.rawValue), "\(dimension.rawValue) is listed")
                }
            }
        }
    }
}
