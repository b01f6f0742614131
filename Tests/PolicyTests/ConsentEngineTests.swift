import Policy
import Testing

@Suite struct ConsentEngineTests {
    /// A grant recorded under `version`.
    private func grant(_ granted: Bool = true, version: Int = 3) -> ConsentGrant {
        ConsentGrant(granted: granted, policyVersion: version, at: 1_700_000_000_000)
    }

    @Test func unknownPurposeIsDenied() throws {
        // Given an engine for the minimal policy
        let engine = ConsentEngine(policy: try Fixture.minimal(), gpcPurposes: [])

        // When an undeclared purpose asks
        let decision = engine.decide(purpose: "profiling", category: "contact", state: ConsentState())

        // Then it is denied
        #expect(decision == .denied(reason: .unknownPurpose))
        #expect(!decision.isAllowed)
    }

    @Test func categoryOutsideThePurposeIsDenied() throws {
        // Given an engine and a person who agreed to the newsletter
        let engine = ConsentEngine(policy: try Fixture.minimal(), gpcPurposes: [])
        let state = ConsentState(grants: ["newsletter": grant()])

        // When the newsletter asks for a category it does not declare
        let decision = engine.decide(purpose: "newsletter", category: "ip_address", state: state)

        // Then it is denied
        #expect(decision == .denied(reason: .categoryNotDeclaredForPurpose))
    }

    @Test func purposesWithoutConsentAreAllowedOnTheirBasis() throws {
        // Given an engine and a person with no grants
        let engine = ConsentEngine(policy: try Fixture.minimal(), gpcPurposes: [])

        // When contract and legitimate-interest purposes ask for their categories
        let account = engine.decide(purpose: "account", category: "contact", state: ConsentState())
        let security = engine.decide(purpose: "security_log", category: "ip_address", state: ConsentState())

        // Then they are allowed, naming their basis
        #expect(account == .allowed(basis: .contract))
        #expect(security == .allowed(basis: .legitimateInterest))
        #expect(account.isAllowed)
    }

    @Test func consentPurposeNeedsAGrant() throws {
        // Given an engine
        let engine = ConsentEngine(policy: try Fixture.minimal(), gpcPurposes: [])

        // When the newsletter asks without, with, and after withdrawing consent
        let none = engine.decide(purpose: "newsletter", category: "contact", state: ConsentState())
        let given = engine.decide(
            purpose: "newsletter", category: "contact", state: ConsentState(grants: ["newsletter": grant()]))
        let withdrawn = engine.decide(
            purpose: "newsletter", category: "contact", state: ConsentState(grants: ["newsletter": grant(false)]))

        // Then only the given consent allows it
        #expect(none == .denied(reason: .noConsent))
        #expect(given == .allowed(basis: .consent))
        #expect(withdrawn == .denied(reason: .consentWithdrawn))
    }

    @Test func consentGivenBeforeThePurposeChangedIsSuspended() throws {
        // Given the newsletter's meaning last changed in version 3
        let engine = ConsentEngine(policy: try Fixture.minimal(), purposeRevisions: ["newsletter": 3], gpcPurposes: [])

        // When consent was given under version 2, and again under version 3
        let old = engine.decide(
            purpose: "newsletter", category: "contact", state: ConsentState(grants: ["newsletter": grant(version: 2)]))
        let renewed = engine.decide(
            purpose: "newsletter", category: "contact", state: ConsentState(grants: ["newsletter": grant(version: 3)]))

        // Then the old consent is suspended and the renewed one counts
        #expect(old == .denied(reason: .consentSuspended))
        #expect(renewed == .allowed(basis: .consent))
    }

    @Test func globalPrivacyControlDeniesItsPurposesEvenWithAGrant() throws {
        // Given GPC covers the newsletter and the ad partner, and the person agreed to both
        let engine = ConsentEngine(policy: try Fixture.minimal(), gpcPurposes: ["newsletter", "ad_partner"])
        let grants = ["newsletter": grant(), "ad_partner": grant()]

        // When the browser sends GPC, and when it does not
        let withGPC = ConsentState(grants: grants, globalPrivacyControl: true)
        let withoutGPC = ConsentState(grants: grants, globalPrivacyControl: false)

        // Then GPC denies the covered purposes and recipients, and only those
        #expect(
            engine.decide(purpose: "newsletter", category: "contact", state: withGPC)
                == .denied(reason: .globalPrivacyControl))
        #expect(engine.decide(recipient: "ad_partner", state: withGPC) == .denied(reason: .globalPrivacyControl))
        #expect(engine.decide(purpose: "account", category: "contact", state: withGPC) == .allowed(basis: .contract))
        #expect(
            engine.decide(purpose: "newsletter", category: "contact", state: withoutGPC) == .allowed(basis: .consent))
    }

    @Test func recipientsNeedTheirOwnConsentWhenDeclared() throws {
        // Given an engine, with the ad partner's meaning changed in version 3
        let engine = ConsentEngine(policy: try Fixture.minimal(), purposeRevisions: ["ad_partner": 3], gpcPurposes: [])

        // When sharing is asked for the processor and the consent-based partner
        let processor = engine.decide(recipient: "mailer", state: ConsentState())
        let none = engine.decide(recipient: "ad_partner", state: ConsentState())
        let purposeGrantOnly = engine.decide(
            recipient: "ad_partner", state: ConsentState(grants: ["newsletter": grant()]))
        let given = engine.decide(recipient: "ad_partner", state: ConsentState(grants: ["ad_partner": grant()]))
        let withdrawn = engine.decide(
            recipient: "ad_partner", state: ConsentState(grants: ["ad_partner": grant(false)]))
        let old = engine.decide(recipient: "ad_partner", state: ConsentState(grants: ["ad_partner": grant(version: 2)]))
        let unknown = engine.decide(recipient: "broker", state: ConsentState())

        // Then the processor is allowed on the basis of the purpose it serves, the partner only with its own grant
        #expect(processor == .allowed(basis: .contract))
        #expect(none == .denied(reason: .noConsent))
        #expect(purposeGrantOnly == .denied(reason: .noConsent))
        #expect(given == .allowed(basis: .consent))
        #expect(withdrawn == .denied(reason: .consentWithdrawn))
        #expect(old == .denied(reason: .consentSuspended))
        #expect(unknown == .denied(reason: .unknownPurpose))
    }

    @Test func recipientServingNothingWithoutConsentFallsBackToLegitimateInterest() throws {
        // Given a processor that serves no purpose
        var policy = try Fixture.minimal()
        policy.recipients[0].serves = []
        let engine = ConsentEngine(policy: policy, gpcPurposes: [])

        // When sharing with it is asked
        let decision = engine.decide(recipient: "mailer", state: ConsentState())

        // Then it rests on legitimate interest
        #expect(decision == .allowed(basis: .legitimateInterest))
    }

    @Test func defaultPolicyDecidesItsConsentPurposes() throws {
        // Given the shipped policy with Global Privacy Control on advertising and third parties
        let engine = ConsentEngine(
            policy: try Fixture.defaultPolicy(), gpcPurposes: ["advertising", "partners", "google_analytics"])
        let state = ConsentState(grants: ["newsletter": grant(version: 1)], globalPrivacyControl: true)

        // When its purposes ask
        // Then consent, GPC and contract behave as declared
        #expect(engine.decide(purpose: "newsletter", category: "contact", state: state) == .allowed(basis: .consent))
        #expect(
            engine.decide(purpose: "site_updates", category: "contact", state: state) == .denied(reason: .noConsent))
        #expect(
            engine.decide(purpose: "advertising", category: "contact", state: state)
                == .denied(reason: .globalPrivacyControl))
        #expect(engine.decide(purpose: "payments", category: "payment", state: state) == .allowed(basis: .contract))
        #expect(engine.decide(recipient: "paypal", state: state) == .allowed(basis: .contract))
        #expect(engine.decide(recipient: "partners", state: state) == .denied(reason: .globalPrivacyControl))
    }
}
