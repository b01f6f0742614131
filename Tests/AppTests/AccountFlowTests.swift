import App
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Storage
import Testing
import Vault

@Suite struct AccountFlowTests {
    static let profile: [String: String] = [
        "name": "Zelda Canarynova", "email": "zelda.canary@example.test", "street": "Canarystraat 77",
        "postalCode": "9999", "city": "Canaryville", "country": "Belgium", "extra": "I like canaries",
        "password": "correct horse battery staple",
    ]

    @Test func aMemberRegistersVerifiesSignsInCorrectsAndDeletesTheAccount() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let browser = Browser(client)
                // Given the registration form
                #expect(try await browser.get("/account/register").status == .ok)

                // When registering
                let registered = try await browser.post("/account/register", Self.profile)

                // Then the member is signed in and sees the unverified banner
                #expect(registered.status == .seeOther)
                #expect(registered.location == "/account")
                let account = try await browser.get("/account")
                #expect(account.body.contains("Check your inbox"))
                #expect(account.body.contains("Canaryville"))

                // When the verification mail is delivered and its link opened
                try await app.drainJobs()
                let mails = try app.deliveredMail()
                #expect(mails.count == 1)
                let link = try #require(mails.first.flatMap { Browser.link(in: $0, path: "/account/verify") })
                let verified = try await browser.get(link)
                #expect(verified.body.contains("Your e-mail address is confirmed"))
                // and a second use of the same link fails
                #expect(try await browser.get(link).status == .badRequest)

                // When logging out and in again with remember-me
                #expect(try await browser.post("/account/logout", [:]).status == .seeOther)
                #expect(browser.cookies["steward_session"] == nil)
                #expect(try await browser.get("/account").location?.hasPrefix("/account/login") == true)
                let login = try await browser.post(
                    "/account/login",
                    ["email": "Zelda.Canary@example.test", "password": Self.profile["password"]!, "remember": "on"])
                #expect(login.status == .seeOther)
                #expect(browser.cookies["steward_remember"] != nil)
                #expect(
                    login.headers[values: .setCookie].contains {
                        $0.hasPrefix("steward_remember=") && $0.contains("HttpOnly") && $0.contains("SameSite=Lax")
                    })

                // When correcting the address
                var corrected = Self.profile
                corrected["city"] = "Ghent"
                let saved = try await browser.post("/account", corrected)
                #expect(saved.status == .seeOther)
                let page = try await browser.get("/account")
                #expect(page.body.contains("Ghent"))
                #expect(page.body.contains("Signed in"))

                // When deleting with a wrong password, nothing happens
                #expect(
                    try await browser.post("/account/delete", ["password": "wrong password!"]).status == .badRequest)

                // When deleting with the password
                let deleted = try await browser.post("/account/delete", ["password": Self.profile["password"]!])
                #expect(deleted.status == .seeOther)

                // Then the old credentials fail and no data key or member row is left
                let again = try await browser.post(
                    "/account/login", ["email": Self.profile["email"]!, "password": Self.profile["password"]!])
                #expect(again.status == .unauthorized)
                #expect(again.body.contains("E-mail or password is wrong"))
                let sql = app.services.database.sql
                #expect(try await sql.select().column("subject_id").from("data_keys").all().count == 0)
                #expect(try await sql.select().column("id").from("members").all().count == 0)
                #expect(try await sql.select().column("id").from("security_events").all().count == 0)
                #expect(try await sql.select().column("id").from("outbox").all().count == 0)
                // and the audit log still verifies, holding only the pseudonymous id
                #expect(try await app.services.audit.verify() == .intact(count: try await Self.auditCount(app)))
            }
        }
    }

    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["STEWARD_TEST_DATABASE_URL"] == nil,
            "reads the raw SQLite file; on PostgreSQL the same repositories store the same ciphertext"))
    func personalDataIsNotReadableInTheDatabaseFiles() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                // Given a member registered through the form with canary values
                let browser = Browser(client)
                try await browser.get("/account/register")
                #expect(try await browser.post("/account/register", Self.profile).status == .seeOther)
                try await browser.post(
                    "/account/login", ["email": Self.profile["email"]!, "password": Self.profile["password"]!])
                try await app.drainJobs()
            }
            // When reading the raw SQLite file and its WAL
            var raw = Data()
            for suffix in ["", "-wal"] {
                let path = app.services.configuration.sqlitePath + suffix
                if let data = FileManager.default.contents(atPath: path) { raw.append(data) }
            }
            #expect(raw.count > 10_000)
            // Then none of the canaries appears, in any case
            let text = String(decoding: raw, as: UTF8.self).lowercased()
            for canary in ["canarynova", "zelda.canary@example.test", "canarystraat", "canaryville", "i like canaries"]
            {
                #expect(!text.contains(canary), "found \(canary) in the database file")
            }
        }
    }

    @Test func badRegistrationExplainsEachFieldKeepsInputAndWritesNothing() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let browser = Browser(client)
                try await browser.get("/account/register")
                // When posting bad values
                let page = try await browser.post(
                    "/account/register",
                    [
                        "name": "", "email": "not-an-address", "street": "Main 1", "postalCode": "1000", "city": "X",
                        "country": "BE", "password": "abc",
                    ])
                // Then each field says what is wrong, typed values stay, the password does not
                #expect(page.status == .badRequest)
                #expect(page.body.contains("Enter your full name."))
                #expect(page.body.contains("Enter an e-mail address like name@example.com."))
                #expect(page.body.contains("Use at least 8 characters."))
                #expect(page.body.contains("not-an-address"))
                #expect(page.body.contains("Main 1"))
                // A common password is refused
                let common = try await browser.post(
                    "/account/register", Self.profile.merging(["password": "password123"]) { _, new in new })
                #expect(common.body.contains("most common"))
                // And nothing was written
                let sql = app.services.database.sql
                #expect(try await sql.select().column("id").from("members").all().isEmpty)
                #expect(try await sql.select().column("subject_id").from("data_keys").all().isEmpty)
                #expect(try await sql.select().column("id").from("jobs").all().isEmpty)
            }
        }
    }

    @Test func aFormWithoutTheCSRFTokenIsRefused() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let browser = Browser(client)
                try await browser.get("/account/register")
                let page = try await browser.post("/account/register", Self.profile, includeCSRF: false)
                #expect(page.status == .forbidden)
                #expect(try await app.services.database.sql.select().column("id").from("members").all().isEmpty)
            }
        }
    }

    @Test func redirectTargetsMustBeLocal() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let browser = Browser(client)
                try await browser.get("/account/register")
                try await browser.post("/account/register", Self.profile)
                try await browser.post("/account/logout", [:])
                try await browser.get("/account/login")
                let page = try await browser.post(
                    "/account/login",
                    [
                        "email": Self.profile["email"]!, "password": Self.profile["password"]!,
                        "next": "//evil.example/x",
                    ])
                #expect(page.location == "/account")
            }
        }
    }

    @Test func loginLimiterHoldsUnderParallelAttempts() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let browser = Browser(client)
                try await browser.get("/account/login")
                let cookies = browser.cookies
                let csrf = browser.csrf
                // When 25 wrong logins for one account arrive at once
                let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for _ in 0..<25 {
                        group.addTask {
                            let body = "email=target%40example.test&password=wrongwrong&csrf=\(csrf)"
                            let response = try await client.execute(
                                uri: "/account/login", method: .post,
                                headers: [
                                    .contentType: "application/x-www-form-urlencoded",
                                    .cookie: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "),
                                ], body: ByteBuffer(string: body))
                            return response.status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                // Then exactly the allowed number were checked and the rest refused with 429
                #expect(statuses.filter { $0 == .unauthorized }.count == 10)
                #expect(statuses.filter { $0 == .tooManyRequests }.count == 15)
            }
        }
    }

    @Test func resetAnswersTheSameForKnownAndUnknownAddresses() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let browser = Browser(client)
                try await browser.get("/account/register")
                try await browser.post("/account/register", Self.profile)
                try await app.drainJobs()
                let before = try app.deliveredMail().count
                try await browser.get("/account/reset")
                let known = try await browser.post("/account/reset", ["email": Self.profile["email"]!])
                let unknown = try await browser.post("/account/reset", ["email": "nobody@example.test"])
                #expect(known.status == unknown.status)
                #expect(
                    known.body.replacingOccurrences(of: Self.profile["email"]!, with: "X")
                        .replacingOccurrences(of: #"value="[^"]*""#, with: "", options: .regularExpression)
                        == unknown.body.replacingOccurrences(of: "nobody@example.test", with: "X")
                        .replacingOccurrences(of: #"value="[^"]*""#, with: "", options: .regularExpression))
                try await app.drainJobs()
                let mails = try app.deliveredMail()
                #expect(mails.count == before + 1)
                // The reset link sets a new password and ends the session
                let link = try #require(mails.compactMap { Browser.link(in: $0, path: "/account/reset/confirm") }.first)
                try await browser.get(link)
                let token = String(link.split(separator: "=").last!)
                let done = try await browser.post(
                    "/account/reset/confirm", ["token": token, "newPassword": "a brand new passphrase"])
                #expect(done.status == .seeOther)
                let login = try await browser.post(
                    "/account/login", ["email": Self.profile["email"]!, "password": "a brand new passphrase"])
                #expect(login.status == .seeOther)
            }
        }
    }

    @Test func everyAnswerCarriesSecurityHeaders() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                for path in ["/", "/account/login", "/no-such-page"] {
                    let response = try await client.execute(uri: path, method: .get)
                    let csp = response.headers[.contentSecurityPolicy] ?? ""
                    #expect(csp.contains("script-src 'self'"))
                    #expect(!csp.contains("unsafe-inline"))
                    #expect(csp.contains("frame-ancestors 'none'"))
                    #expect(response.headers[.init("X-Content-Type-Options")!] == "nosniff")
                    #expect(response.headers[.init("Referrer-Policy")!] == "strict-origin-when-cross-origin")
                }
                let missing = try await client.execute(uri: "/no-such-page", method: .get)
                #expect(missing.status == .notFound)
            }
        }
    }

    @Test func anOversizedBodyIsRefusedWith413() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let big = String(repeating: "a", count: 2_000_000)
                let response = try await client.execute(
                    uri: "/account/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "email=\(big)"))
                #expect(response.status == .contentTooLarge)
            }
        }
    }

    static func auditCount(_ app: TestApp) async throws -> Int {
        try await app.services.database.sql.select().column("sequence").from("audit_log").all().count
    }
}
