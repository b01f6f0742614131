import Foundation
import Policy
import Testing

@Suite struct PolicyDiffTests {
    /// The minimal policy as version 3 and a copy as version 4, for the test to change.
    private func versions() throws -> (PrivacyPolicy, PrivacyPolicy) {
        let old = try Fixture.minimal()
        var new = old
        new.version = 4
        return (old, new)
    }

    @Test func unchangedContentHasNoChanges() throws {
        // Given two versions with the same content
        let (old, new) = try versions()

        // When they are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then nothing changed
        #expect(diff.from == 3)
        #expect(diff.to == 4)
        #expect(diff.isEmpty)
        #expect(diff.summary.isEmpty)
        #expect(diff.changedConsentPurposes.isEmpty)
        #expect(!diff.requiresNewCookieChoice)
    }

    @Test func addedConsentPurposeAsksAgainButSuspendsNothing() throws {
        // Given a new consent purpose
        let (old, base) = try versions()
        var new = base
        new.purposes.append(
            Purpose(
                id: "surveys", name: "Surveys", description: "We ask your opinion", legalBasis: .consent,
                categories: ["contact"], requiresConsent: true, consentLabel: "Ask me for my opinion"))

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then the purpose is announced and the banner asks again, but no old consent is suspended
        #expect(
            diff.changes == [
                PolicyDiff.Change(
                    kind: .added, section: .purposes, id: "surveys",
                    summary: "New purpose: Surveys. We ask your opinion. Legal basis: your consent. We will do this "
                        + "only if you agree.")
            ])
        #expect(diff.changedConsentPurposes.isEmpty)
        #expect(diff.requiresNewCookieChoice)
    }

    @Test func removedPurposeIsAnnounced() throws {
        // Given a purpose that is dropped
        let (old, base) = try versions()
        var new = base
        new.purposes.removeAll { $0.id == "security_log" }

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then its removal is announced; the banner is not concerned
        #expect(diff.summary == ["Purpose removed: Security log. We no longer use your data for it."])
        #expect(diff.changes.first?.kind == .removed)
        #expect(!diff.requiresNewCookieChoice)
    }

    @Test func changedConsentPurposeIsSuspendedAndAskedAgain() throws {
        // Given the newsletter now also uses IP addresses and is described differently
        let (old, base) = try versions()
        var new = base
        new.purposes[1].description = "We send you our newsletter and measure who opens it."
        new.purposes[1].categories.append("ip_address")

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then consents to it are suspended and the change is explained
        #expect(diff.changedConsentPurposes == ["newsletter"])
        #expect(diff.requiresNewCookieChoice)
        #expect(
            diff.summary == [
                "Newsletter: we now describe it as: We send you our newsletter and measure who opens it; it now also "
                    + "uses your IP address."
            ])
    }

    @Test func changedPurposeWithoutConsentSuspendsNothing() throws {
        // Given the account purpose is described differently
        let (old, base) = try versions()
        var new = base
        new.purposes[0].description = "We run your account and its settings."

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then the change is listed but no consent or banner choice is affected
        #expect(diff.summary == ["Your account: we now describe it as: We run your account and its settings."])
        #expect(diff.changedConsentPurposes.isEmpty)
        #expect(!diff.requiresNewCookieChoice)
    }

    @Test func purposeNewlyBasedOnConsentCountsAsChanged() throws {
        // Given the account purpose now needs consent
        let (old, base) = try versions()
        var new = base
        new.purposes[0].legalBasis = .consent
        new.purposes[0].requiresConsent = true
        new.purposes[0].consentLabel = "Keep my account"

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then it is listed for suspension and explained
        #expect(diff.changedConsentPurposes == ["account"])
        #expect(diff.requiresNewCookieChoice)
        #expect(
            diff.summary == [
                "Your account: its legal basis is now your consent instead of our agreement with you; it now needs "
                    + "your consent."
            ])
    }

    @Test func newCheckboxWordingSuspendsNothing() throws {
        // Given only the newsletter's checkbox text changes
        let (old, base) = try versions()
        var new = base
        new.purposes[1].consentLabel = "Yes, send me the newsletter"

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then it is mentioned, but the consent keeps its meaning
        #expect(diff.summary == ["Newsletter: its checkbox now reads \"Yes, send me the newsletter\"."])
        #expect(diff.changedConsentPurposes.isEmpty)
        #expect(!diff.requiresNewCookieChoice)
    }

    @Test func newRecipientOfAConsentPurposeSuspendsThatPurpose() throws {
        // Given a new processor that receives e-mail addresses (and so serves the newsletter)
        let (old, base) = try versions()
        var new = base
        new.recipients.append(
            Recipient(
                id: "printer", name: "Print Shop", role: .processor, purpose: "It prints our letters",
                receives: ["contact"], requiresConsent: false))

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then the recipient is announced and newsletter consents are suspended
        #expect(
            diff.summary == [
                "New recipient: Print Shop. It prints our letters. It receives your e-mail address."
            ])
        #expect(diff.changedConsentPurposes == ["newsletter"])
        #expect(diff.requiresNewCookieChoice)
    }

    @Test func recipientServingOtherPurposesOnlyLeavesConsentsAlone() throws {
        // Given a new processor that explicitly serves only the account
        let (old, base) = try versions()
        var new = base
        new.recipients.append(
            Recipient(
                id: "printer", name: "Print Shop", role: .processor, purpose: "It prints our letters",
                receives: ["contact"], serves: ["account"], requiresConsent: false))

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then no consent is suspended
        #expect(diff.changedConsentPurposes.isEmpty)
        #expect(!diff.requiresNewCookieChoice)
    }

    @Test func changedConsentRecipientIsSuspended() throws {
        // Given the ad partner now transfers data outside the EEA and receives IP addresses
        let (old, base) = try versions()
        var new = base
        new.recipients[1].transfersOutsideEEA = true
        new.recipients[1].receives.append("ip_address")

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then sharing with it needs consent again, and the newsletter (which does not cover it) is untouched
        #expect(diff.changedConsentPurposes == ["ad_partner"])
        #expect(diff.requiresNewCookieChoice)
        #expect(
            diff.summary == [
                "Ad Partner: it now also receives your IP address; your data may now be transferred outside the "
                    + "European Economic Area."
            ])
    }

    @Test func declaringWhichPurposesARecipientServesIsAChange() throws {
        // Given the ad partner now declares it serves only the newsletter
        let (old, base) = try versions()
        var new = base
        new.recipients[1].serves = ["newsletter"]

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then the change is explained and consent to the sharing is asked again
        #expect(diff.summary == ["Ad Partner: it now receives data only for Newsletter."])
        #expect(diff.changedConsentPurposes == ["ad_partner"])
    }

    @Test func removedRecipientIsAnnounced() throws {
        // Given the ad partner is gone (with its cookie)
        let (old, base) = try versions()
        var new = base
        new.recipients.removeAll { $0.id == "ad_partner" }
        new.cookies.removeAll { $0.name == "tracker" }

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then both removals are listed and the banner asks again
        #expect(
            diff.summary == ["We no longer share data with Ad Partner.", "We no longer set the cookie tracker."])
        #expect(diff.changes.map(\.section) == [.recipients, .cookies])
        #expect(diff.requiresNewCookieChoice)
        #expect(diff.changedConsentPurposes.isEmpty)
    }

    @Test func shorterRetentionIsSaidInDays() throws {
        // Given IP addresses are kept 30 days instead of 90
        let (old, base) = try versions()
        var new = base
        new.retention[1].rule = .daysAfterCollection(30)

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then the summary says so plainly
        #expect(
            diff.changes == [
                PolicyDiff.Change(
                    kind: .changed, section: .retention, id: "ip_address",
                    summary: "IP address: now kept for 30 days instead of 90.")
            ])
        #expect(!diff.requiresNewCookieChoice)
    }

    @Test func otherRetentionChangesNameBothRules() throws {
        // Given e-mail addresses are now kept until unsubscribing, then 180 days
        let (old, base) = try versions()
        var new = base
        new.retention[0].rule = .untilEvent(event: "unsubscribe", thenMaxDays: 180)

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then both rules are named
        #expect(
            diff.summary == [
                "E-mail address: now kept until you unsubscribe, then at most 180 days instead of until you close "
                    + "your account, then at most 365 days."
            ])
    }

    @Test func newCategoryWithRetentionIsAnnouncedTwice() throws {
        // Given a new personal category with its rule, and a category that became personal
        let (old, base) = try versions()
        var new = base
        new.categories.append(DataCategory(id: "phone", name: "Phone number", description: "Your phone number"))
        new.retention.append(RetentionRule(category: "phone", rule: .legalHold(reason: "telecom law")))
        new.categories[2].personal = true

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then each is listed in its section
        #expect(
            diff.summary == [
                "Page counts: we now treat it as personal data.",
                "New kind of data: Phone number. Your phone number.",
                "Phone number: now kept as long as the law requires (telecom law).",
            ])
        #expect(diff.changes.map(\.kind) == [.changed, .added, .added])
        #expect(diff.changes.map(\.section) == [.categories, .categories, .retention])
    }

    @Test func essentialCookieDoesNotReopenTheBanner() throws {
        // Given a new essential cookie
        let (old, base) = try versions()
        var new = base
        new.cookies.append(
            CookieDeclaration(
                name: "steward_lang", kind: .session, purpose: "essential", essential: true,
                description: "Remembers your language", category: "essential"))

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then it is announced but the banner need not ask again
        #expect(diff.summary == ["New cookie: steward_lang. Remembers your language. It is essential."])
        #expect(!diff.requiresNewCookieChoice)
    }

    @Test func nonEssentialCookieChangesReopenTheBanner() throws {
        // Given a new preferences cookie and a longer-lived tracker
        let (old, base) = try versions()
        var new = base
        new.cookies.append(
            CookieDeclaration(
                name: "theme", kind: .persistent, lifetimeDays: 365, purpose: "account", essential: false,
                description: "Remembers your colour theme", category: "preferences"))
        new.cookies[1].lifetimeDays = 60

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then both are listed and the banner asks again
        #expect(
            diff.summary
                == [
                    "Cookie tracker: it is now kept for 60 days instead of 30 days.",
                    "New cookie: theme. Remembers your colour theme. We set it only if you allow preferences cookies.",
                ])
        #expect(diff.requiresNewCookieChoice)
    }

    @Test func controllerRequestsAnalyticsAndSecurityChangesAreSummarised() throws {
        // Given new contact details, a shorter deadline, leaner statistics and a new security measure
        let (old, base) = try versions()
        var new = base
        new.controller.street = "Harbour Road 2"
        new.controller.email = "dpo@example.test"
        new.requests.deadlineDays = 10
        new.requests.contactEmail = "dpo@example.test"
        new.analytics.collects.append("screen size")
        new.analytics.rawEventRetentionDays = 7
        new.security = ["hardware security keys for staff"]

        // When the versions are compared
        let diff = PolicyDiff(from: old, to: new)

        // Then each part is summarised in order
        #expect(
            diff.summary == [
                "Our details changed: our address is now Harbour Road 2, 1000 Brussels, Belgium; write to "
                    + "dpo@example.test about your privacy.",
                "We now answer requests about your data within 10 days instead of 14 days.",
                "Requests about your data now go to dpo@example.test.",
                "Our visitor statistics: they now also record screen size; we now delete the individual records "
                    + "after 7 days instead of 30 days.",
                "New security measure: hardware security keys for staff.",
                "Security measure no longer listed: encryption at rest.",
            ])
        #expect(
            diff.changes.map(\.section) == [.controller, .requests, .requests, .analytics, .security, .security])
        #expect(diff.changes.map(\.id).prefix(3) == ["controller", "deadlineDays", "contactEmail"])
        #expect(!diff.requiresNewCookieChoice)
    }

    @Test func diffRoundTripsThroughJSON() throws {
        // Given a diff with changes
        let (old, base) = try versions()
        var new = base
        new.purposes[1].description = "Something else."
        let diff = PolicyDiff(from: old, to: new)

        // When it is stored as JSON and read back
        let decoded = try JSONDecoder().decode(PolicyDiff.self, from: try JSONEncoder().encode(diff))

        // Then it is the same
        #expect(decoded == diff)
        #expect(decoded.summary == diff.summary)
    }
}
