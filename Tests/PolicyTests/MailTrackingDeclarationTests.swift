import Foundation
import Policy
import Testing

/// The optional `mailTracking` declaration: absent means no tracking; present, it must name a consent purpose and
/// one of that purpose's personal categories, and each problem names the field.
@Suite struct MailTrackingDeclarationTests {
    /// The minimal fixture with a tracking purpose and category, plus `declaration` as the mailTracking section.
    static func fixture(declaration: String) throws -> String {
        try Fixture.text("minimal")
            .replacingOccurrences(
                of: "  - id: page_counts\n",
                with: """
                      - id: mail_engagement
                        name: Opens and clicks
                        description: When you opened our e-mails and which links you followed.
                      - id: page_counts

                    """
            )
            .replacingOccurrences(
                of: "  - id: security_log\n",
                with: """
                      - id: mail_tracking
                        name: Newsletter statistics
                        description: We record when you open our e-mails and which links you follow.
                        legalBasis: consent
                        categories: [mail_engagement]
                        requiresConsent: true
                        consentLabel: Let us see when I open the newsletter
                      - id: security_log

                    """
            )
            .replacingOccurrences(
                of: "recipients:\n",
                with: """
                      - category: mail_engagement
                        rule: days_after_collection
                        days: 180
                    recipients:

                    """) + declaration
    }

    @Test func withoutTheDeclarationThereIsNoTracking() throws {
        // Given the minimal fixture, which does not declare tracking
        // When it is loaded
        let policy = try Fixture.minimal()

        // Then tracking is off
        #expect(policy.mailTracking == nil)
    }

    @Test func aValidDeclarationIsRead() throws {
        // Given a declaration naming the tracking purpose and its category
        let text = try Self.fixture(
            declaration: "mailTracking:\n  purpose: mail_tracking\n  category: mail_engagement\n")

        // When it is loaded
        let policy = try Fixture.policy(yaml: text)

        // Then it is kept, and the category's retention applies to it
        #expect(policy.mailTracking == MailTrackingDeclaration(purpose: "mail_tracking", category: "mail_engagement"))
        #expect(policy.retention(for: "mail_engagement")?.rule == .daysAfterCollection(180))
    }

    @Test(arguments: [
        (
            "mailTracking:\n  purpose: tracking\n  category: mail_engagement\n", "purpose: tracking",
            "'mailTracking.purpose' is 'tracking', which is not declared under 'purposes'; declare it or correct the id"
        ),
        (
            "mailTracking:\n  purpose: account\n  category: contact\n", "purpose: account",
            "'mailTracking.purpose' names 'account', which does not require consent; tracking needs a purpose with "
                + "'requiresConsent: true' of its own"
        ),
        (
            "mailTracking:\n  purpose: mail_tracking\n  category: contact\n", "  category: contact\n",
            "'mailTracking.category' is 'contact', which is not among the categories of purpose 'mail_tracking'; add "
                + "it to that purpose's 'categories'"
        ),
        (
            "mailTracking:\n  purpose: mail_tracking\n  category: clicks\n", "category: clicks",
            "'mailTracking.category' is 'clicks', which is not declared under 'categories'; declare it or correct the "
                + "id"
        ),
        (
            "mailTracking:\n  purpose: mail_tracking\n  colour: blue\n  category: mail_engagement\n", "colour",
            "unknown key 'colour' in 'mailTracking'; valid keys are: purpose, category"
        ),
    ])
    func eachProblemNamesTheField(declaration: String, marker: String, message: String) throws {
        // Given a broken declaration
        let text = try Self.fixture(declaration: declaration)
        let line = try #require(Fixture.line(of: marker, in: text), "marker must occur once")

        // When it is loaded
        let issues = Fixture.issues(yaml: text)

        // Then exactly that problem is reported, on its line
        #expect(issues.map(\.message) == [message])
        #expect(issues.first?.line == line)
    }

    @Test func aPolicyWithoutTheDeclarationEncodesAsBefore() throws {
        // Given a policy without tracking
        let policy = try Fixture.minimal()

        // When it is encoded (as it is stored, and for its content hash)
        let json = String(decoding: try JSONEncoder().encode(policy), as: UTF8.self)

        // Then the key is absent, so policies published before it existed keep their hash
        #expect(!json.contains("mailTracking"))
        #expect(try JSONDecoder().decode(PrivacyPolicy.self, from: Data(json.utf8)) == policy)
    }

    @Test func declaringTrackingIsAChangeMembersAreToldAbout() throws {
        // Given the same policy without and with the declaration
        let without = try Fixture.policy(yaml: try Self.fixture(declaration: ""))
        let with = try Fixture.policy(
            yaml: try Self.fixture(
                declaration: "mailTracking:\n  purpose: mail_tracking\n  category: mail_engagement\n"))

        // When they are compared, both ways
        let added = PolicyDiff(from: without, to: with)
        let removed = PolicyDiff(from: with, to: without)

        // Then the declaration is the one change, named after the consent it needs
        #expect(added.changes.map(\.section) == [.mailTracking])
        #expect(added.changes.first?.kind == .added)
        #expect(added.summary.first?.contains("Newsletter statistics") == true)
        #expect(removed.changes.map(\.kind) == [.removed])
    }
}
