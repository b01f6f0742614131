/// Decides, in memory, whether a purpose may use a person's data or data may be shared with a recipient.
///
/// Everything is precomputed in `init`, so a decision is a few dictionary look-ups.
public struct ConsentEngine: Sendable {
    /// What a decision needs to know about one purpose or recipient.
    private struct Rule: Sendable {
        /// The basis returned when allowed.
        let basis: LegalBasis
        /// Whether a grant is needed.
        let requiresConsent: Bool
        /// Grants recorded under an older version are suspended.
        let revision: Int
        /// Whether Global Privacy Control opts out of it.
        let gpc: Bool
        /// For purposes: the category ids it may use.
        let categories: Set<String>
    }

    /// Purposes by id.
    private let purposes: [String: Rule]
    /// Recipients by id.
    private let recipients: [String: Rule]

    /// Prepares decisions for a policy.
    /// - Parameters:
    ///   - policy: The policy in force.
    ///   - purposeRevisions: For each purpose or recipient id, the policy version in which its meaning last changed
    ///     (from the published versions' diffs); a grant with a lower `policyVersion` is suspended.
    ///   - gpcPurposes: Purposes and recipients that `Sec-GPC: 1` opts out of (advertising, sharing with third
    ///     parties), even when a grant exists.
    public init(policy: PrivacyPolicy, purposeRevisions: [String: Int] = [:], gpcPurposes: Set<String>) {
        var purposes: [String: Rule] = [:]
        for purpose in policy.purposes {
            purposes[purpose.id] = Rule(
                basis: purpose.legalBasis, requiresConsent: purpose.requiresConsent,
                revision: purposeRevisions[purpose.id] ?? 0, gpc: gpcPurposes.contains(purpose.id),
                categories: Set(purpose.categories))
        }
        var recipients: [String: Rule] = [:]
        for recipient in policy.recipients {
            recipients[recipient.id] = Rule(
                basis: recipient.requiresConsent ? .consent : Self.basis(of: recipient, in: policy),
                requiresConsent: recipient.requiresConsent, revision: purposeRevisions[recipient.id] ?? 0,
                gpc: gpcPurposes.contains(recipient.id), categories: Set(recipient.receives))
        }
        self.purposes = purposes
        self.recipients = recipients
    }

    /// The basis for sharing with a recipient that needs no consent: that of the first purpose it serves that does
    /// not rest on consent, else legitimate interest.
    private static func basis(of recipient: Recipient, in policy: PrivacyPolicy) -> LegalBasis {
        let served = policy.purposes.first { purpose in
            !purpose.requiresConsent && purpose.legalBasis != .consent
                && policy.recipients(serving: purpose.id).contains { $0.id == recipient.id }
        }
        return served?.legalBasis ?? .legitimateInterest
    }

    /// May `purpose` use category `category` of a person in `state`?
    ///
    /// Checks in order: the purpose is declared, it declares the category, Global Privacy Control, then (for
    /// consent purposes) the grant: missing, withdrawn, or given before the purpose last changed.
    public func decide(purpose: String, category: String, state: ConsentState) -> ConsentDecision {
        guard let rule = purposes[purpose] else { return .denied(reason: .unknownPurpose) }
        guard rule.categories.contains(category) else { return .denied(reason: .categoryNotDeclaredForPurpose) }
        return Self.decide(rule, id: purpose, state: state)
    }

    /// May data be shared with `recipient`? A recipient that requires consent needs its own grant.
    public func decide(recipient: String, state: ConsentState) -> ConsentDecision {
        guard let rule = recipients[recipient] else { return .denied(reason: .unknownPurpose) }
        return Self.decide(rule, id: recipient, state: state)
    }

    /// The common part: Global Privacy Control first, then the grant when consent is required.
    private static func decide(_ rule: Rule, id: String, state: ConsentState) -> ConsentDecision {
        if rule.gpc && state.globalPrivacyControl { return .denied(reason: .globalPrivacyControl) }
        guard rule.requiresConsent else { return .allowed(basis: rule.basis) }
        guard let grant = state.grants[id] else { return .denied(reason: .noConsent) }
        guard grant.granted else { return .denied(reason: .consentWithdrawn) }
        guard grant.policyVersion >= rule.revision else { return .denied(reason: .consentSuspended) }
        return .allowed(basis: rule.basis)
    }
}
