import Foundation
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Testing

@testable import App

@Suite struct ProtectionTests {
    @Test func longPasswordsDifferingOnlyAtTheEndAreDifferent() async throws {
        // Given two passwords that agree on their first 100 bytes (bcrypt alone reads only 72)
        let hasher = PasswordHasher(cost: 4)
        let common = String(repeating: "ü", count: 50)
        let hash = try await hasher.hash(common + "one")

        // Then only the exact one verifies
        #expect(try await hasher.verify(common + "one", against: hash))
        #expect(try await !hasher.verify(common + "two", against: hash))
        // And a missing account answers false after doing the same work
        #expect(try await !hasher.verify(common + "one", against: nil))
    }

    @Test func theDecoyHashCostsAsMuchAsARealOne() throws {
        // The decoy for a missing account carries the configured cost, so checking against it takes as long
        // as checking a real hash of that cost, and it is a well-formed hash that no password matches
        let decoy = PasswordHasher.decoy(cost: 6)
        let real = Bcrypt.hash("secret", cost: 6)
        #expect(decoy.hasPrefix("$2b$06$") && real.hasPrefix("$2b$06$"))
        #expect(decoy.count == real.count)
        #expect(!Bcrypt.verify("secret", hash: decoy))
        #expect(PasswordHasher.decoy(cost: 12).hasPrefix("$2b$12$"))
    }

    @Test func unicodeIsNormalisedBeforeHashing() async throws {
        let hasher = PasswordHasher(cost: 4)
        let composed = "caf\u{E9} au lait"
        let decomposed = "cafe\u{301} au lait"
        let hash = try await hasher.hash(composed)
        #expect(try await hasher.verify(decomposed, against: hash))
    }

    @Test func aFullHashQueueRefusesAtOnce() async throws {
        // Given a limiter with one slot and no queue, held busy
        let limiter = ConcurrencyLimiter(limit: 1, queueLimit: 0)
        let started = AsyncStream<Void>.makeStream()
        let busy = Task {
            try await limiter.run {
                started.continuation.yield()
                try await Task.sleep(for: .milliseconds(300))
            }
        }
        for await _ in started.stream { break }
        // When another caller arrives, then it is refused without waiting
        await #expect(throws: ConcurrencyLimiter.Overloaded.self) {
            try await limiter.run {}
        }
        try await busy.value
        // And once the slot is free it runs
        try await limiter.run {}
    }

    @Test func pageOutputIsEscaped() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let browser = Browser(client)
                try await browser.get("/account/register")
                var profile = AccountFlowTests.profile
                profile["name"] = "<script>alert(1)</script>"
                profile["email"] = "bad"
                let page = try await browser.post("/account/register", profile)
                #expect(!page.body.contains("<script>alert(1)</script>"))
                #expect(page.body.contains("&lt;script&gt;"))
            }
        }
    }

    @Test func httpsSitesUseHostPrefixedSecureCookiesAndHSTS() async throws {
        try await TestApp.with(environment: ["STEWARD_BASE_URL": "https://www.example.test"]) { app in
            try await app.test { client in
                let response = try await client.execute(uri: "/account/login", method: .get)
                let cookie = try #require(response.headers[values: .setCookie].first)
                #expect(cookie.hasPrefix("__Host-steward_csrf="))
                #expect(cookie.contains("Secure"))
                #expect(cookie.contains("Path=/"))
                #expect(!cookie.lowercased().contains("domain="))
                #expect(response.headers[.strictTransportSecurity]?.contains("max-age=") == true)
            }
        }
    }

    @Test func plainHTTPSitesSendNoHSTS() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let response = try await client.execute(uri: "/", method: .get)
                #expect(response.headers[.strictTransportSecurity] == nil)
            }
        }
    }

    @Test func healthAndMetricsAnswer() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let health = try await client.execute(uri: "/healthz", method: .get)
                #expect(health.status == .ok)
                #expect(String(buffer: health.body).contains("reachable"))
                _ = try await client.execute(uri: "/", method: .get)
                let metrics = try await client.execute(uri: "/metrics", method: .get)
                #expect(metrics.status == .ok)
                let text = String(buffer: metrics.body)
                #expect(text.contains("hb_requests"))
                #expect(text.contains("http_server_request_duration"))
            }
        }
    }
}

@Suite struct PageCacheTests {
    @Test func aCachedPageCarriesEachVisitorsOwnCSRFToken() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given two visitors without cookies reading the cached home page
                let first = Browser(client)
                let second = Browser(client)
                try await first.get("/")
                try await second.get("/")
                // Then each page carries a different token, valid only with its own cookie
                #expect(first.csrf != second.csrf)
                #expect(!first.csrf.isEmpty)
                #expect(try await first.post("/consent", ["choice": "none", "returnTo": "/"]).status == .seeOther)
                let swapped = Browser(client)
                swapped.cookies = second.cookies
                swapped.csrf = first.csrf
                #expect(try await swapped.post("/consent", ["choice": "none"]).status == .forbidden)
            }
        }
    }

    @Test func aSignedInMembersPageIsNeverServedFromTheCache() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let anonymous = Browser(client)
                try await anonymous.get("/")
                let member = Browser(client)
                try await member.get("/account/register")
                try await member.post("/account/register", AccountFlowTests.profile)
                let home = try await member.get("/")
                #expect(home.body.contains("Log out"))
                #expect(!(try await anonymous.get("/").body.contains("Log out")))
            }
        }
    }
}
