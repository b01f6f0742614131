import Foundation
import Policy
import Testing

@Suite struct PolicyLoaderTests {
    @Test func shippedDefaultPolicyIsValid() throws {
        // Given the shipped policy file
        let text = try String(contentsOf: Fixture.defaultPolicyURL, encoding: .utf8)

        // When it is loaded
        let result = PolicyLoader.load(yaml: text, file: "policy/policy.yaml")

        // Then it has no problems
        if case .failure(let errors) = result {
            Issue.record("policy/policy.yaml has problems:\n\(errors)")
        }
    }

    @Test func shippedDefaultPolicyStatesTheCompanyFacts() throws {
        // Given the shipped policy
        let policy = try Fixture.defaultPolicy()

        // Then the facts match the company's policy
        #expect(policy.version == 1)
        #expect(policy.date == "2017-03-13")
        #expect(policy.controller.name == "7Contact Solutions")
        #expect(policy.controller.city == "Brussels")
        #expect(policy.controller.postalCode == "1000")
        #expect(policy.controller.email == "privacy@7contact.example")
        #expect(
            policy.categories.map(\.id) == [
                "identity", "contact", "postal_address", "extra_information", "ip_address", "account_credentials",
                "consent_records", "payment",
            ])
        #expect(
            policy.consentPurposes.map(\.id) == [
                "advertising", "newsletter", "site_updates", "promotions_events", "analytics_google",
            ])
        #expect(policy.purpose("audit_security")?.legalBasis == .legitimateInterest)
        #expect(policy.purpose("payments")?.legalBasis == .contract)
        #expect(policy.consentRecipients.map(\.id) == ["google_analytics", "partners"])
        #expect(policy.recipient("paypal")?.role == .processor)
        #expect(policy.retention(for: "ip_address")?.rule == .daysAfterCollection(90))
        #expect(policy.retention(for: "contact")?.rule == .untilEvent(event: "account_closure", thenMaxDays: 365))
        #expect(policy.retention(for: "payment").map { if case .legalHold = $0.rule { true } else { false } } == true)
        #expect(policy.requests.deadlineDays == 14)
        #expect(policy.analytics.cookieless)
        #expect(policy.analytics.rawEventRetentionDays == 30)
        #expect(
            policy.cookies.filter(\.essential).map(\.name) == [
                "steward_session", "steward_csrf", "steward_consent", "steward_flash", "steward_staff",
            ])
        #expect(policy.cookies.first { $0.name == "_ga" }?.provider == "google_analytics")
        #expect(policy.security.count == 6)
    }

    @Test func minimalFixtureLoadsEveryField() throws {
        // Given the minimal fixture
        let text = try Fixture.text("minimal")

        // When it is loaded
        let policy = try Fixture.policy(yaml: text)

        // Then every section is read, with defaults where keys are left out
        #expect(policy.version == 3)
        #expect(policy.controller.website == nil)
        #expect(policy.category("page_counts")?.personal == false)
        #expect(policy.category("contact")?.personal == true)
        #expect(policy.purpose("newsletter")?.consentLabel == "Send me the newsletter")
        #expect(policy.purpose("account")?.requiresConsent == false)
        #expect(policy.recipient("mailer")?.transfersOutsideEEA == false)
        #expect(policy.cookies.first?.provider == "first-party")
        #expect(policy.cookies.last?.lifetimeDays == 30)
        #expect(policy.requests == RequestsDeclaration(deadlineDays: 14, contactEmail: "requests@example.test"))
        #expect(policy.security == ["encryption at rest"])
    }

    @Test func brokenFileReportsEveryProblemInFileOrder() throws {
        // Given a file with many problems
        let text = try Fixture.text("broken")

        // When it is loaded
        let issues = Fixture.issues(yaml: text)

        // Then every problem is reported, sorted by position
        let expected = [
            "2:10: 'version' must be a whole number, e.g. version: 2 (found 'one')",
            "3:7: 'date' must be a real calendar date written YYYY-MM-DD, e.g. 2024-05-01 (found '13/03/2017')",
            "4:1: unknown top-level key 'colour'; valid keys are: version, date, controller, categories, purposes, "
                + "retention, recipients, cookies, analytics, requests, security, mailTracking",
            "11:10: 'controller.email' is 'nobody', which is not an e-mail address (expected name@domain)",
            "16:9: duplicate category id 'contact' (first declared on line 13)",
            "19:9: 'id' of category 'Bad Id' is 'Bad Id', which is not a valid id; use lowercase letters, digits and "
                + "underscores, starting with a letter (e.g. 'bad_id')",
            "22:9: the personal category 'phone' has no retention rule; add one under 'retention' saying how long it "
                + "is kept",
            "30:27: purpose 'newsletter' uses the category 'emails', which is not declared under 'categories'; "
                + "declare it or correct the id",
            "31:22: purpose 'newsletter' has legal basis consent, so 'requiresConsent' must be true",
            "35:17: 'legalBasis' of purpose 'news2' is 'consented', which is not a legal basis; use one of: consent, "
                + "contract, legitimate_interest, legal_obligation",
            "37:5: unknown key 'requireConsent' in purpose 'news2'; did you mean 'requiresConsent'?",
            "38:5: purpose 'ads' is missing the required key 'name'",
            "38:5: purpose 'ads' requires consent but has no 'consentLabel'; add the short text shown next to its "
                + "checkbox",
            "44:15: the retention rule for 'ghost' names a category that is not declared under 'categories'",
            "45:11: 'rule' of retention rule for 'ghost' is 'forever', which is not a retention rule; use one of: "
                + "until_event, days_after_collection, legal_hold",
            "48:11: 'days' of retention rule for 'contact' must be at least 1 day (it is 0)",
            "52:11: 'role' of recipient 'r' is 'boss', which is not a recipient role; use one of: processor, "
                + "controller, third_party",
            "54:16: recipient 'r' receives the category 'cards', which is not declared under 'categories'; declare it "
                + "or correct the id",
            "56:5: cookie 'a' is persistent, so it needs 'lifetimeDays' (how many days it is kept)",
            "60:15: cookie 'a' is essential, so its category must be 'essential' (it is 'analytics')",
            "64:19: cookie 'b' is a session cookie, so it must not have 'lifetimeDays' (it ends when the browser "
                + "closes); remove it or make the cookie persistent",
            "65:14: cookie 'b' has the purpose 'nope', which is neither 'essential' nor a declared purpose id",
            "67:15: cookie 'b' is not essential but its category is 'essential'; set 'essential: true' or choose "
                + "preferences, analytics or marketing",
            "69:15: cookie 'b' names the provider 'google', which is neither 'first-party' nor a declared recipient id",
            "71:13: 'analytics.collects' must list at least one entry",
            "73:15: 'analytics.cookieless' must be true or false (found 'maybe')",
            "74:26: 'analytics.rawEventRetentionDays' must be at least 1 day (it is -1)",
            "76:17: 'requests.deadlineDays' is 45, but the GDPR allows one month; use 30 or fewer",
            "78:11: 'security' must be a list, one '- ' entry per line or [a, b] on one line",
        ]
        #expect(issues.map { "\($0.line):\($0.column): \($0.message)" } == expected)
        #expect(issues.allSatisfy { $0.file == "policy.yaml" })
    }

    @Test func errorsDescribeOneIssuePerLineInCompilerFormat() {
        // Given two issues
        let errors = PolicyErrors(issues: [
            PolicyIssue(file: "policy.yaml", line: 3, column: 7, message: "first"),
            PolicyIssue(file: "policy.yaml", line: 9, column: 1, message: "second"),
        ])

        // When they are described
        let text = errors.description

        // Then each is file:line:column: message on its own line
        #expect(text == "policy.yaml:3:7: first\npolicy.yaml:9:1: second")
    }

    @Test func unclosedFlowListIsASyntaxErrorWithItsPosition() {
        // Given a list that is never closed
        let yaml = "version: 1\ncategories: [contact\ndate: 2024-01-01\n"

        // When it is loaded
        let issues = Fixture.issues(yaml: yaml)

        // Then one syntax error points after the list, naming where the list began
        #expect(issues.count == 1)
        #expect(issues.first?.line == 3)
        #expect(issues.first?.message.hasPrefix("the YAML cannot be read: did not find expected ',' or ']'") == true)
        #expect(issues.first?.message.contains("at line 2") == true)
    }

    @Test func tabIndentationIsASyntaxErrorWithAHint() {
        // Given a line indented with a tab
        let yaml = "version: 1\ncontroller:\n\tname: X\n"

        // When it is loaded
        let issues = Fixture.issues(yaml: yaml)

        // Then the error points at the tab and suggests spaces
        #expect(issues.count == 1)
        #expect(issues.first?.line == 3)
        #expect(issues.first?.column == 1)
        #expect(issues.first?.message.contains("spaces, not tabs") == true)
    }

    @Test func repeatedKeyIsReported() {
        // Given a key written twice in one mapping
        let yaml = "version: 1\nversion: 2\n"

        // When it is loaded
        let issues = Fixture.issues(yaml: yaml)

        // Then the repeated key is named
        #expect(
            issues == [
                PolicyIssue(
                    file: "policy.yaml", line: 1, column: 1,
                    message: "the key 'version' appears more than once in the same mapping; keep only one")
            ])
    }

    @Test func emptyFileIsReported() {
        // Given an empty file
        let yaml = "# nothing here\n"

        // When it is loaded
        let issues = Fixture.issues(yaml: yaml)

        // Then it says so
        #expect(
            issues == [
                PolicyIssue(
                    file: "policy.yaml", line: 1, column: 1,
                    message: "the policy file is empty; start from the default policy/policy.yaml")
            ])
    }

    @Test func topLevelListIsNotAPolicy() {
        // Given a file that is a list
        let yaml = "- version: 1\n"

        // When it is loaded
        let issues = Fixture.issues(yaml: yaml)

        // Then the top level must be a mapping
        #expect(issues.map(\.message) == ["the policy must be a mapping of keys and values (key: value)"])
    }

    @Test func missingSectionsAreEachReportedOnce() {
        // Given only a version
        let yaml = "version: 1\n"

        // When it is loaded
        let issues = Fixture.issues(yaml: yaml)

        // Then every other required key is reported at the top mapping
        let missing =
            ["date", "controller", "categories", "purposes", "retention", "recipients", "cookies"]
            + ["analytics", "requests", "security"]
        #expect(issues.map(\.message) == missing.map { "the policy is missing the required key '\($0)'" })
        #expect(issues.allSatisfy { $0.line == 1 && $0.column == 1 })
    }
}
