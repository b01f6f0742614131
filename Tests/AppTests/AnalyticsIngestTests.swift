import Analytics
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Policy
import SQLKit
import Storage
import Testing

@testable import App

/// `POST /api/event`: validation, bots, no IP address and no cookie, the daily salt, overload and graceful stop.
@Suite struct AnalyticsIngestTests {
    static let chrome =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"

    static func post(
        _ client: any TestClientProtocol, _ body: String, userAgent: String = chrome
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/event", method: .post, headers: [.contentType: "text/plain", .userAgent: userAgent],
            body: ByteBuffer(string: body))
    }

    static func rows(_ app: TestApp) async throws -> [any SQLRow] {
        try await app.services.database.sql.raw("SELECT * FROM analytics_events ORDER BY id").all()
    }

    @Test func aPageViewIsStoredAsDimensionsWithoutAnIPAddressOrACookie() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // When a browser sends a page view from a search result
                let response = try await Self.post(
                    client,
                    #"{"t":"pageview","u":"http://127.0.0.1:8080/pricing?utm_source=Newsletter","r":"https://www.google.com/","w":1280}"#
                )

                // Then it is accepted without a cookie, and stored as dimensions once the buffer is written
                #expect(response.status == .accepted)
                #expect(response.headers[.setCookie] == nil)
                try await app.services.analyticsIngestor.flush()
                let rows = try await Self.rows(app)
                #expect(rows.count == 1)
                let row = try #require(rows.first)
                #expect(try row.decode(column: "kind", as: String.self) == "pageview")
                #expect(try row.decode(column: "path", as: String.self) == "/pricing")
                #expect(try row.decode(column: "browser", as: String.self) == "Chrome")
                #expect(try row.decode(column: "os", as: String.self) == "Windows")
                #expect(try row.decode(column: "device", as: String.self) == "desktop")
                #expect(try row.decode(column: "utm_source", as: String.self) == "newsletter")
                #expect(try row.decode(column: "visitor", as: String.self).count == 24)
                // And the table has no column for an IP address
                #expect(!row.allColumns.contains { $0.contains("ip") })
            }
        }
    }

    @Test func badInputGets400WithTheReasonAndTooLargeGets413() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let cases = [
                    "not json", #"{"t":"pageview"}"#, #"{"t":"nap","u":"http://127.0.0.1:8080/"}"#,
                    #"{"t":"pageview","u":"https://elsewhere.example/"}"#,
                ]
                for body in cases {
                    let response = try await Self.post(client, body)
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(!String(buffer: response.body).isEmpty, "no reason for \(body)")
                }
                let big = #"{"t":"pageview","u":"http://127.0.0.1:8080/"# + String(repeating: "a", count: 5000) + #""}"#
                #expect(try await Self.post(client, big).status == .contentTooLarge)
                try await app.services.analyticsIngestor.flush()
                #expect(try await Self.rows(app).isEmpty)
            }
        }
    }

    @Test func botsAreAnsweredButNotCounted() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
                let response = try await Self.post(
                    client, #"{"t":"pageview","u":"http://127.0.0.1:8080/"}"#, userAgent: bot)
                #expect(response.status == .accepted)
                try await app.services.analyticsIngestor.flush()
                #expect(try await Self.rows(app).isEmpty)
            }
        }
    }

    @Test func theSameVisitorOnTwoDaysIsTwoVisitorsAndTheOldSaltIsGone() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given the same browser on two days
                let body = #"{"t":"pageview","u":"http://127.0.0.1:8080/"}"#
                _ = try await Self.post(client, body)
                _ = try await Self.post(client, body)
                app.clock.advance(by: 86_400)
                _ = try await Self.post(client, body)
                try await app.services.analyticsIngestor.flush()

                // Then it is one visitor within a day and another the next day
                let visitors = try await Self.rows(app).map { try $0.decode(column: "visitor", as: String.self) }
                #expect(visitors.count == 3)
                #expect(visitors[0] == visitors[1])
                #expect(visitors[1] != visitors[2])
                // And only today's salt is left
                let salts = try await app.services.database.sql.raw("SELECT day FROM analytics_salts").all()
                #expect(salts.count == 1)
                #expect(
                    try salts.first?.decode(column: "day", as: Int.self) == DailySalt.day(of: app.clock.milliseconds))
            }
        }
    }

    @Test func rawEventsGoAfterThePolicysRetention() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given an event today and one 31 days later
                _ = try await Self.post(client, #"{"t":"pageview","u":"http://127.0.0.1:8080/old"}"#)
                try await app.services.analyticsIngestor.flush()
                app.clock.advance(by: 31 * 86_400)
                _ = try await Self.post(client, #"{"t":"pageview","u":"http://127.0.0.1:8080/new"}"#)
                try await app.services.analyticsIngestor.flush()

                // When the sweep applies the policy's 30 days
                let days = app.services.policyState.current.policy.analytics.rawEventRetentionDays
                #expect(days == 30)
                let deleted = try await app.services.analyticsIngestor.deleteExpired(
                    retentionDays: days, now: app.clock.milliseconds)

                // Then only the old one is gone
                #expect(deleted == 1)
                let paths = try await Self.rows(app).map { try $0.decode(column: "path", as: String.self) }
                #expect(paths == ["/new"])
            }
        }
    }

    @Test func aFullBufferAnswers503AndAClosedOneWritesAtOnce() async throws {
        try await TestApp.with { app in
            // Given an endpoint whose buffer holds two events
            let ingestor = EventIngestor(database: app.services.database, capacity: 2)
            let router = Router(context: AppRequestContext.self)
            AnalyticsController(
                ingestor: ingestor, salt: app.services.analyticsSalt, clock: app.clock, geoIP: nil,
                siteHost: "127.0.0.1"
            ).addRoutes(to: router)
            try await Application(router: router).test(.router) { client in
                let body = #"{"t":"pageview","u":"http://127.0.0.1:8080/"}"#
                // When a third arrives before the buffer is written, it is refused with Retry-After
                #expect(try await Self.post(client, body).status == .accepted)
                #expect(try await Self.post(client, body).status == .accepted)
                let refused = try await Self.post(client, body)
                #expect(refused.status == .serviceUnavailable)
                #expect(refused.headers[.retryAfter] == "1")

                // When the server stops gracefully, the buffer is written and later events go straight in
                try await ingestor.close()
                #expect(try await Self.rows(app).count == 2)
                #expect(try await Self.post(client, body).status == .accepted)
                #expect(try await Self.rows(app).count == 3)
            }
        }
    }

    @Test func aGeoIPFileIsLoadedAtStartUpAndABadOneStopsIt() async throws {
        // Given the GeoIP test database the Analytics tests use
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("AnalyticsTests/Fixtures/geoip")
        let file = fixtures.appendingPathComponent("test-ipv6-28.mmdb").path
        // Then Steward loads it and finds countries by IP address
        try await TestApp.with(environment: ["STEWARD_GEOIP_FILE": file]) { app in
            #expect(app.services.geoIP?.country(of: "81.2.69.1") == "GB")
            #expect(app.services.geoIP?.country(of: "127.0.0.1") == nil)
        }
        // And without one there is none
        try await TestApp.with { app in #expect(app.services.geoIP == nil) }
        // And a missing file or one that is not a MaxMind DB stops start-up with a message naming it
        await #expect(throws: ConfigurationError.self) {
            try await TestApp.with(environment: ["STEWARD_GEOIP_FILE": "/nonexistent/country.mmdb"]) { _ in }
        }
        let readme = fixtures.appendingPathComponent("README.md").path
        await #expect {
            try await TestApp.with(environment: ["STEWARD_GEOIP_FILE": readme]) { _ in }
        } throws: { error in
            "\(error)".contains("README.md") && "\(error)".contains("not a MaxMind DB")
        }
    }
}
