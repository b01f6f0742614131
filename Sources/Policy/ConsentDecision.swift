/// The answer to "may this purpose use this data?".
public enum ConsentDecision: Sendable, Equatable {
    /// Allowed, on this legal basis.
    case allowed(basis: LegalBasis)
    /// Not allowed, for this reason.
    case denied(reason: Reason)

    /// Why a use is not allowed.
    public enum Reason: Sendable, Equatable {
        /// The purpose or recipient is not in the policy.
        case unknownPurpose
        /// The purpose does not declare that category.
        case categoryNotDeclaredForPurpose
        /// Consent is needed and was never given.
        case noConsent
        /// Consent was given and then withdrawn.
        case consentWithdrawn
        /// Consent was given under a version before the purpose's meaning last changed; it must be given again.
        case consentSuspended
        /// The browser sent Global Privacy Control, which opts out of this purpose.
        case globalPrivacyControl
    }

    /// Whether the use is allowed.
    public var isAllowed: Bool {
        if case .allowed = self { return true }
        return false
    }
}
