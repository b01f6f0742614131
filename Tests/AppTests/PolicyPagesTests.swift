import Foundation
import Hummingbird
import HummingbirdTesting
import Policy
import SQLKit
import Testing

@testable import App

@Suite struct PolicyPagesTests {
    @Test func thePolicyPageIsRenderedFromThePublishedFile() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let policy = app.services.policyState.current.policy
                let page = try await client.execute(uri: "/privacy", method: .get)
                #expect(page.status == .ok)
                let html = String(buffer: page.body)
                #expect(html.contains(policy.controller.name))
                #expect(html.contains(policy.controller.email))
                #expect(html.contains(policy.date))
                for section in app.services.policyState.current.document.sections {
                    #expect(html.contains("id=\"\(section.id)\""), "section \(section.id)")
                }
                #expect(html.contains("\(policy.requests.deadlineDays) days"))
            }
        }
    }

    @Test func theMachineReadablePolicyMatchesThePage() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let response = try await client.execute(uri: "/privacy.json", method: .get)
                #expect(response.status == .ok)
                let json =
                    try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
                let policy = app.services.policyState.current.policy
                #expect(json?["version"] as? Int == policy.version)
                #expect(json?["contentHash"] as? String == policy.contentHash)
                #expect((json?["policy"] as? [String: Any])?["purposes"] != nil)
                #expect((json?["document"] as? [String: Any])?["sections"] != nil)
            }
        }
    }

    @Test func cookiesAndVersionsAndGPCAreServed() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let cookies = String(buffer: try await client.execute(uri: "/cookies", method: .get).body)
                for cookie in app.services.policyState.current.policy.cookies {
                    #expect(cookies.contains(cookie.name), "cookie \(cookie.name)")
                }
                let versions = try await client.execute(uri: "/privacy/versions", method: .get)
                #expect(versions.status == .ok)
                #expect(
                    String(buffer: versions.body).contains("id=\"v\(app.services.policyState.current.policy.version)\"")
                )
                let gpc = try await client.execute(uri: "/.well-known/gpc.json", method: .get)
                #expect(String(buffer: gpc.body).contains(#""gpc":true"#))
            }
        }
    }

    @Test func onlyEssentialCookiesAreSetBeforeAChoice() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a first visit
                let browser = Browser(client)
                let home = try await browser.get("/")
                // Then the banner shows and only essential cookies were set
                #expect(home.body.contains("cookie-banner"))
                let essential = Set(app.services.policyState.current.policy.cookies.filter(\.essential).map(\.name))
                for name in browser.cookies.keys {
                    #expect(essential.contains(name), "\(name) is set before any choice but is not essential")
                }
                #expect(!home.body.contains("src=\"/js/ga-consent.js\""))
            }
        }
    }

    @Test func rejectAllAndAcceptAllTakeOneClick() async throws {
        try await TestApp.with(environment: ["STEWARD_GA_MEASUREMENT_ID": "G-TEST123"]) { app in
            try await app.test { client in
                // Reject all: the banner goes, Google Analytics stays off
                let rejecting = Browser(client)
                try await rejecting.get("/")
                let rejected = try await rejecting.post("/consent", ["choice": "none", "returnTo": "/"])
                #expect(rejected.location == "/")
                let afterReject = try await rejecting.get("/")
                #expect(!afterReject.body.contains("id=\"cookie-banner\""))
                #expect(!afterReject.body.contains("src=\"/js/ga-consent.js\""))

                // Accept all: Google Analytics loads, with its hosts allowed on that page only
                let accepting = Browser(client)
                try await accepting.get("/")
                try await accepting.post("/consent", ["choice": "all", "returnTo": "/"])
                let afterAccept = try await accepting.get("/")
                #expect(afterAccept.body.contains("src=\"/js/ga-consent.js\""))
                #expect(afterAccept.body.contains("G-TEST123"))
                #expect(
                    (afterAccept.headers[.contentSecurityPolicy] ?? "").contains("https://www.googletagmanager.com"))
            }
        }
    }

    @Test func globalPrivacyControlTurnsOffAnalyticsEvenAfterAcceptAll() async throws {
        try await TestApp.with(environment: ["STEWARD_GA_MEASUREMENT_ID": "G-TEST123"]) { app in
            try await app.test { client in
                let browser = Browser(client)
                browser.extraHeaders = [.init("Sec-GPC")!: "1"]
                try await browser.get("/")
                try await browser.post("/consent", ["choice": "all", "returnTo": "/"])
                let page = try await browser.get("/")
                #expect(!page.body.contains("src=\"/js/ga-consent.js\""))
                #expect(!page.body.contains("G-TEST123"))
                #expect(browser.cookies["steward_consent"]?.contains("analytics-0") == true)
            }
        }
    }

    @Test func aConsentChoiceAsJSONAnswersForScripts() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let browser = Browser(client)
                try await browser.get("/")
                browser.extraHeaders = [.accept: "application/json"]
                let answer = try await browser.post("/consent", ["choice": "all"])
                #expect(answer.status == .ok)
                #expect(answer.body.contains(#""ok":true"#))
            }
        }
    }
}
