/// The ground in GDPR Article 6(1) on which a purpose rests.
public enum LegalBasis: String, Sendable, Equatable, Codable, CaseIterable {
    /// The person agreed (Art. 6(1)(a)).
    case consent
    /// Needed to provide what the person asked for (Art. 6(1)(b)).
    case contract
    /// The controller's legitimate interest, which the person may object to (Art. 6(1)(f)).
    case legitimateInterest = "legitimate_interest"
    /// Required by law (Art. 6(1)(c)).
    case legalObligation = "legal_obligation"
}
