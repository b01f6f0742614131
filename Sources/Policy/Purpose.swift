/// Why Steward uses some categories of data.
public struct Purpose: Sendable, Equatable, Codable {
    /// Lowercase snake_case id; consent records are kept under it.
    public var id: String
    /// A short name, e.g. "Newsletter".
    public var name: String
    /// What is done, in a plain sentence.
    public var description: String
    /// The legal ground.
    public var legalBasis: LegalBasis
    /// Ids of the categories it uses.
    public var categories: [String]
    /// Whether the person must agree first; always true for ``LegalBasis/consent``.
    public var requiresConsent: Bool
    /// The short checkbox text; present whenever ``requiresConsent`` is true.
    public var consentLabel: String?

    /// Creates a purpose.
    public init(
        id: String, name: String, description: String, legalBasis: LegalBasis, categories: [String],
        requiresConsent: Bool, consentLabel: String? = nil
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.legalBasis = legalBasis
        self.categories = categories
        self.requiresConsent = requiresConsent
        self.consentLabel = consentLabel
    }
}
