import Foundation
import Hummingbird
import HummingbirdOTP
import HummingbirdTesting
import SQLKit
import Testing

@testable import App

@Suite struct AdminAccessTests {
    /// Creates a staff member through the invitation link and the TOTP setup, as a person would.
    static func signUpStaff(
        _ app: TestApp, _ client: any TestClientProtocol, link: String, email: String
    ) async throws -> Browser {
        let browser = Browser(client)
        let path = String(link.dropFirst("http://127.0.0.1:8080".count))
        let form = try await browser.get(path)
        #expect(form.status == .ok)
        let token = String(path.split(separator: "=").last!)
        let created = try await browser.post(
            "/admin/setup",
            ["token": token, "name": "Staff \(email)", "email": email, "password": "a long staff passphrase"])
        #expect(created.location == "/admin/totp/setup")
        // The console stays closed until the second factor is set up.
        #expect(try await browser.get("/admin").location == "/admin/totp/setup")
        let setup = try await browser.get("/admin/totp/setup")
        #expect(setup.status == .ok)
        let staff = try #require(try await app.services.staff.repository.find(email: email))
        let secret = try #require(staff.totpSecret)
        let wrong = try await browser.post("/admin/totp/setup", ["code": "000000"])
        #expect(wrong.status == .badRequest)
        let code = String(format: "%06d", TOTP(secret: secret).compute(date: app.clock.now()))
        let enabled = try await browser.post("/admin/totp/setup", ["code": code])
        #expect(enabled.location == "/admin")
        return browser
    }

    @Test func everyConsolePageAdmitsExactlyItsRoles() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given an owner (from the start-up link), a privacy officer and an editor (from invitations)
                let ownerLink = try #require(try await app.services.ownerSetupLinkIfNeeded())
                var browsers: [StaffRole: Browser] = [:]
                browsers[.owner] = try await Self.signUpStaff(app, client, link: ownerLink, email: "owner@example.test")
                for role in [StaffRole.privacyOfficer, .editor] {
                    let link = try await app.services.createStaffInvite(
                        email: "\(role.rawValue)@example.test", role: role.rawValue)
                    app.clock.advance(by: 31)
                    browsers[role] = try await Self.signUpStaff(
                        app, client, link: link, email: "\(role.rawValue)@example.test")
                }
                // And a member and an anonymous visitor
                let member = Browser(client)
                try await member.get("/account/register")
                try await member.post("/account/register", AccountFlowTests.profile)
                let anonymous = Browser(client)

                // When each walks every console page, then only the declared roles get in
                for page in AdminPage.all {
                    for role in StaffRole.allCases {
                        let response = try await browsers[role]!.get(page.path)
                        let expected: HTTPResponse.Status = page.roles.contains(role) ? .ok : .forbidden
                        #expect(response.status == expected, "\(role) on \(page.path)")
                    }
                    #expect(try await member.get(page.path).location == "/admin/login", "member on \(page.path)")
                    #expect(try await anonymous.get(page.path).location == "/admin/login", "anonymous on \(page.path)")
                }
                // And only an owner may invite
                let editor = browsers[.editor]!
                try await editor.get("/admin")
                let refused = try await editor.post(
                    "/admin/staff/invite", ["email": "x@example.test", "role": "owner"])
                #expect(refused.status == .forbidden)
                let owner = browsers[.owner]!
                try await owner.get("/admin/staff")
                let invited = try await owner.post(
                    "/admin/staff/invite", ["email": "new@example.test", "role": "editor"])
                #expect(invited.location == "/admin/staff")
                #expect(try await owner.get("/admin/staff").body.contains("new@example.test"))
            }
        }
    }

    @Test func theOwnerLinkWorksOnceAndStaffSignInNeedsTheSecondFactor() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let link = try #require(try await app.services.ownerSetupLinkIfNeeded())
                let owner = try await Self.signUpStaff(app, client, link: link, email: "owner@example.test")
                // No new link once staff exists
                #expect(try await app.services.ownerSetupLinkIfNeeded() == nil)
                // The used link shows as invalid
                let again = Browser(client)
                #expect(try await again.get(String(link.dropFirst("http://127.0.0.1:8080".count))).status == .notFound)
                // Signing in again asks for a code, and the code of a used step is refused
                try await owner.post("/admin/logout", [:])
                try await owner.get("/admin/login")
                let signedIn = try await owner.post(
                    "/admin/login", ["email": "owner@example.test", "password": "a long staff passphrase"])
                #expect(signedIn.location == "/admin/totp")
                #expect(try await owner.get("/admin").location == "/admin/totp")
                let staff = try #require(try await app.services.staff.repository.find(email: "owner@example.test"))
                let used = String(format: "%06d", TOTP(secret: staff.totpSecret!).compute(date: app.clock.now()))
                #expect(try await owner.post("/admin/totp", ["code": used]).status == .unauthorized)
                app.clock.advance(by: 30)
                let fresh = String(format: "%06d", TOTP(secret: staff.totpSecret!).compute(date: app.clock.now()))
                #expect(try await owner.post("/admin/totp", ["code": fresh]).location == "/admin")
                #expect(try await owner.get("/admin").status == .ok)
                // The outbox lists the mail sent so far
                #expect(try await owner.get("/admin/outbox").status == .ok)
            }
        }
    }
}
