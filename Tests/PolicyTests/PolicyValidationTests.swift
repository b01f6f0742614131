import Foundation
import Policy
import Testing

/// One way to break the minimal fixture, and the single issue it must produce.
struct BrokenLine: Sendable, CustomTestStringConvertible {
    /// What the case is about.
    let name: String
    /// Text that occurs exactly once in the fixture.
    let replace: String
    /// What it is replaced with.
    let with: String
    /// Text that occurs exactly once in the edited file, on the line the issue must point at.
    let marker: String
    /// The column the issue must point at.
    let column: Int
    /// The expected message.
    let message: String

    var testDescription: String { name }
}

@Suite struct PolicyValidationTests {
    static let cases: [BrokenLine] = [
        BrokenLine(
            name: "unknown top-level key", replace: "version: 3\n", with: "version: 3\ncolour: blue\n",
            marker: "colour", column: 1,
            message: "unknown top-level key 'colour'; valid keys are: version, date, controller, categories, "
                + "purposes, retention, recipients, cookies, analytics, requests, security, mailTracking"),
        BrokenLine(
            name: "misspelt key gets a suggestion", replace: "provider: ad_partner", with: "provder: ad_partner",
            marker: "provder", column: 5, message: "unknown key 'provder' in cookie 'tracker'; did you mean 'provider'?"
        ),
        BrokenLine(
            name: "missing required field", replace: "    legalBasis: contract\n", with: "",
            marker: "id: account", column: 5, message: "purpose 'account' is missing the required key 'legalBasis'"),
        BrokenLine(
            name: "missing top-level key", replace: "security:\n  - encryption at rest\n", with: "",
            marker: "version: 3", column: 1, message: "the policy is missing the required key 'security'"),
        BrokenLine(
            name: "missing key in a section", replace: "  contactEmail: requests@example.test\n", with: "",
            marker: "deadlineDays", column: 3, message: "'requests' is missing the required key 'contactEmail'"),
        BrokenLine(
            name: "version not a number", replace: "version: 3", with: "version: three", marker: "three", column: 10,
            message: "'version' must be a whole number, e.g. version: 2 (found 'three')"),
        BrokenLine(
            name: "version zero", replace: "version: 3", with: "version: 0", marker: "version", column: 10,
            message: "'version' must be 1 or higher (it is 0)"),
        BrokenLine(
            name: "flag not true or false", replace: "cookieless: true", with: "cookieless: sometimes",
            marker: "sometimes", column: 15, message: "'analytics.cookieless' must be true or false (found 'sometimes')"
        ),
        BrokenLine(
            name: "list written as text", replace: "categories: [ip_address]", with: "categories: ip_address",
            marker: "categories: ip_address", column: 17,
            message: "'categories' of purpose 'security_log' must be a list, one '- ' entry per line or [a, b] on one "
                + "line"),
        BrokenLine(
            name: "text written as a list", replace: "name: Example Ltd", with: "name: [Example, Ltd]",
            marker: "[Example", column: 9, message: "'controller.name' must be text, not a list or mapping"),
        BrokenLine(
            name: "empty text", replace: "name: Mail Co", with: "name: \"\"", marker: "name: \"\"", column: 11,
            message: "'name' of recipient 'mailer' must not be empty"),
        BrokenLine(
            name: "empty required list", replace: "collects: [pages viewed]", with: "collects: []",
            marker: "collects", column: 13, message: "'analytics.collects' must list at least one entry"),
        BrokenLine(
            name: "section not a mapping",
            replace: "requests:\n  deadlineDays: 14\n  contactEmail: requests@example.test\n",
            with: "requests: soon\n", marker: "soon", column: 11,
            message: "'requests' must be a mapping of keys and values (key: value)"),
        BrokenLine(
            name: "malformed id", replace: "id: security_log", with: "id: SecurityLog", marker: "SecurityLog",
            column: 9,
            message: "'id' of purpose 'SecurityLog' is 'SecurityLog', which is not a valid id; use lowercase letters, "
                + "digits and underscores, starting with a letter (e.g. 'security_log')"),
        BrokenLine(
            name: "duplicate purpose id", replace: "id: security_log", with: "id: account",
            marker: "id: account\n    name: Security log", column: 9,
            message: "duplicate purpose id 'account' (first declared on line 23)"),
        BrokenLine(
            name: "duplicate cookie name", replace: "name: tracker", with: "name: steward_session",
            marker: "name: steward_session\n    kind: persistent", column: 11,
            message: "duplicate cookie name 'steward_session' (first declared on line 62)"),
        BrokenLine(
            name: "purpose and recipient share an id", replace: "id: mailer", with: "id: account",
            marker: "id: account\n    name: Mail Co", column: 9,
            message: "the id 'account' is used by both a purpose and a recipient; consents are recorded by id, so "
                + "give the recipient another id"),
        BrokenLine(
            name: "reserved purpose id", replace: "id: security_log", with: "id: essential", marker: "id: essential",
            column: 9, message: "'essential' is reserved for cookies the site needs; give the purpose another id"),
        BrokenLine(
            name: "purpose uses an undeclared category", replace: "categories: [ip_address]",
            with: "categories: [ip_address, location]", marker: "location", column: 30,
            message: "purpose 'security_log' uses the category 'location', which is not declared under 'categories'; "
                + "declare it or correct the id"),
        BrokenLine(
            name: "consent purpose without label", replace: "    consentLabel: Send me the newsletter\n", with: "",
            marker: "id: newsletter", column: 5,
            message: "purpose 'newsletter' requires consent but has no 'consentLabel'; add the short text shown next "
                + "to its checkbox"),
        BrokenLine(
            name: "consent basis without requiresConsent",
            replace: "requiresConsent: true\n    consentLabel: Send me",
            with: "requiresConsent: false\n    consentLabel: Send me", marker: "requiresConsent: false", column: 22,
            message: "purpose 'newsletter' has legal basis consent, so 'requiresConsent' must be true"),
        BrokenLine(
            name: "invalid legal basis", replace: "legalBasis: legitimate_interest", with: "legalBasis: interest",
            marker: "legalBasis: interest", column: 17,
            message: "'legalBasis' of purpose 'security_log' is 'interest', which is not a legal basis; use one of: "
                + "consent, contract, legitimate_interest, legal_obligation"),
        BrokenLine(
            name: "personal category without retention",
            replace: "  - category: ip_address\n    rule: days_after_collection\n    days: 90\n", with: "",
            marker: "id: ip_address", column: 9,
            message: "the personal category 'ip_address' has no retention rule; add one under 'retention' saying how "
                + "long it is kept"),
        BrokenLine(
            name: "retention for an undeclared category", replace: "recipients:\n",
            with: "  - category: location\n    rule: days_after_collection\n    days: 5\nrecipients:\n",
            marker: "location", column: 15,
            message: "the retention rule for 'location' names a category that is not declared under 'categories'"),
        BrokenLine(
            name: "two retention rules for one category", replace: "recipients:\n",
            with: "  - category: contact\n    rule: days_after_collection\n    days: 5\nrecipients:\n",
            marker: "contact\n    rule: days_after_collection\n    days: 5", column: 15,
            message: "the category 'contact' has more than one retention rule (the first is on line 41); keep one"),
        BrokenLine(
            name: "unknown retention kind", replace: "rule: days_after_collection", with: "rule: forever",
            marker: "forever", column: 11,
            message: "'rule' of retention rule for 'ip_address' is 'forever', which is not a retention rule; use one "
                + "of: until_event, days_after_collection, legal_hold"),
        BrokenLine(
            name: "parameter of another retention kind", replace: "    days: 90\n",
            with: "    days: 90\n    event: unsubscribe\n", marker: "event: unsubscribe", column: 5,
            message: "'event' of retention rule for 'ip_address' does not apply to this rule; remove it"),
        BrokenLine(
            name: "zero days", replace: "days: 90", with: "days: 0", marker: "days: 0", column: 11,
            message: "'days' of retention rule for 'ip_address' must be at least 1 day (it is 0)"),
        BrokenLine(
            name: "negative days", replace: "thenMaxDays: 365", with: "thenMaxDays: -5", marker: "-5", column: 18,
            message: "'thenMaxDays' of retention rule for 'contact' must be at least 1 day (it is -5)"),
        BrokenLine(
            name: "recipient receives an undeclared category", replace: "receives: [contact]\n  - id: ad_partner",
            with: "receives: [contact, phone]\n  - id: ad_partner", marker: "phone", column: 25,
            message: "recipient 'mailer' receives the category 'phone', which is not declared under 'categories'; "
                + "declare it or correct the id"),
        BrokenLine(
            name: "recipient serves an undeclared purpose", replace: "receives: [contact]\n  - id: ad_partner",
            with: "receives: [contact]\n    serves: [account, billing]\n  - id: ad_partner", marker: "billing",
            column: 23,
            message: "recipient 'mailer' serves the purpose 'billing', which is not declared under 'purposes'; "
                + "declare it or correct the id"),
        BrokenLine(
            name: "recipient serves a purpose without its data", replace: "receives: [contact]\n  - id: ad_partner",
            with: "receives: [contact]\n    serves: [security_log]\n  - id: ad_partner", marker: "security_log]",
            column: 14,
            message: "recipient 'mailer' serves the purpose 'security_log' but receives none of its categories; add "
                + "them to 'receives' or remove the purpose from 'serves'"),
        BrokenLine(
            name: "invalid recipient role", replace: "role: processor", with: "role: vendor", marker: "vendor",
            column: 11,
            message: "'role' of recipient 'mailer' is 'vendor', which is not a recipient role; use one of: processor, "
                + "controller, third_party"),
        BrokenLine(
            name: "consent recipient without label",
            replace: "    consentLabel: Share my e-mail address with Ad Partner\n", with: "", marker: "id: ad_partner",
            column: 5,
            message: "recipient 'ad_partner' requires consent but has no 'consentLabel'; add the short text shown "
                + "next to its checkbox"),
        BrokenLine(
            name: "persistent cookie without lifetime", replace: "    lifetimeDays: 30\n", with: "",
            marker: "name: tracker", column: 5,
            message: "cookie 'tracker' is persistent, so it needs 'lifetimeDays' (how many days it is kept)"),
        BrokenLine(
            name: "session cookie with lifetime", replace: "    kind: session\n",
            with: "    kind: session\n    lifetimeDays: 2\n", marker: "lifetimeDays: 2", column: 19,
            message: "cookie 'steward_session' is a session cookie, so it must not have 'lifetimeDays' (it ends when "
                + "the browser closes); remove it or make the cookie persistent"),
        BrokenLine(
            name: "invalid cookie kind", replace: "kind: session", with: "kind: forever", marker: "forever", column: 11,
            message: "'kind' of cookie 'steward_session' is 'forever', which is not a cookie kind; use one of: "
                + "session, persistent"),
        BrokenLine(
            name: "cookie purpose undeclared", replace: "purpose: newsletter\n    essential: false",
            with: "purpose: quiz\n    essential: false", marker: "quiz", column: 14,
            message: "cookie 'tracker' has the purpose 'quiz', which is neither 'essential' nor a declared purpose id"),
        BrokenLine(
            name: "non-essential cookie with essential purpose", replace: "purpose: newsletter\n    essential: false",
            with: "purpose: essential\n    essential: false", marker: "purpose: essential\n    essential: false",
            column: 14,
            message: "cookie 'tracker' is not essential but its purpose is 'essential'; name the purpose it serves"),
        BrokenLine(
            name: "essential cookie in another category",
            replace: "    category: essential\n    description: Keeps you signed in.",
            with: "    category: preferences\n    description: Keeps you signed in.", marker: "preferences",
            column: 15,
            message: "cookie 'steward_session' is essential, so its category must be 'essential' (it is 'preferences')"
        ),
        BrokenLine(
            name: "non-essential cookie in the essential category", replace: "category: marketing",
            with: "category: essential\n", marker: "category: essential\n\n", column: 15,
            message: "cookie 'tracker' is not essential but its category is 'essential'; set 'essential: true' or "
                + "choose preferences, analytics or marketing"),
        BrokenLine(
            name: "invalid cookie category", replace: "category: marketing", with: "category: ads", marker: "ads",
            column: 15,
            message: "'category' of cookie 'tracker' is 'ads', which is not a banner category; use one of: "
                + "essential, preferences, analytics, marketing"),
        BrokenLine(
            name: "unknown cookie provider", replace: "provider: ad_partner", with: "provider: ads_inc",
            marker: "ads_inc", column: 15,
            message: "cookie 'tracker' names the provider 'ads_inc', which is neither 'first-party' nor a declared "
                + "recipient id"),
        BrokenLine(
            name: "deadline over a month", replace: "deadlineDays: 14", with: "deadlineDays: 45", marker: "45",
            column: 17, message: "'requests.deadlineDays' is 45, but the GDPR allows one month; use 30 or fewer"),
        BrokenLine(
            name: "deadline below one day", replace: "deadlineDays: 14", with: "deadlineDays: 0",
            marker: "deadlineDays", column: 17, message: "'requests.deadlineDays' must be at least 1 (it is 0)"),
        BrokenLine(
            name: "date not a calendar day", replace: "date: 2024-05-01", with: "date: 2024-02-30",
            marker: "2024-02-30", column: 7,
            message: "'date' must be a real calendar date written YYYY-MM-DD, e.g. 2024-05-01 (found '2024-02-30')"),
        BrokenLine(
            name: "date in another format", replace: "date: 2024-05-01", with: "date: 1 May 2024", marker: "1 May",
            column: 7,
            message: "'date' must be a real calendar date written YYYY-MM-DD, e.g. 2024-05-01 (found '1 May 2024')"),
        BrokenLine(
            name: "controller e-mail without @", replace: "email: privacy@example.test",
            with: "email: privacy.example.test", marker: "privacy.example.test", column: 10,
            message: "'controller.email' is 'privacy.example.test', which is not an e-mail address (expected "
                + "name@domain)"),
        BrokenLine(
            name: "request e-mail without @", replace: "contactEmail: requests@example.test",
            with: "contactEmail: requests", marker: "contactEmail", column: 17,
            message: "'requests.contactEmail' is 'requests', which is not an e-mail address (expected name@domain)"),
    ]

    @Test(arguments: cases)
    func eachProblemIsReportedAtItsLine(_ broken: BrokenLine) throws {
        // Given the minimal fixture with one problem
        let original = try Fixture.text("minimal")
        #expect(original.components(separatedBy: broken.replace).count == 2, "replace text must occur once")
        let text = original.replacingOccurrences(of: broken.replace, with: broken.with)
        let line = try #require(Fixture.line(of: broken.marker, in: text), "marker must occur once")

        // When it is loaded
        let issues = Fixture.issues(yaml: text)

        // Then exactly that problem is reported, where it is
        #expect(
            issues == [PolicyIssue(file: "policy.yaml", line: line, column: broken.column, message: broken.message)])
    }

    @Test func unchangedMinimalFixtureHasNoProblems() throws {
        // Given the minimal fixture as it is
        let text = try Fixture.text("minimal")

        // When it is loaded
        let issues = Fixture.issues(yaml: text)

        // Then nothing is reported (so each case above is caused by its own edit)
        #expect(issues.isEmpty)
        #expect(throws: Never.self) { try Fixture.policy(yaml: text) }
    }

    @Test func yesAndNoAreAcceptedAsFlags() throws {
        // Given flags written as yes and no
        let text = try Fixture.text("minimal").replacingOccurrences(of: "cookieless: true", with: "cookieless: yes")
            .replacingOccurrences(of: "personal: false", with: "personal: no")

        // When it is loaded
        let policy = try Fixture.policy(yaml: text)

        // Then they read as true and false
        #expect(policy.analytics.cookieless)
        #expect(policy.category("page_counts")?.personal == false)
    }
}
