/// Someone outside the controller who receives personal data.
public struct Recipient: Sendable, Equatable, Codable {
    /// How the recipient stands towards the data.
    public enum Role: String, Sendable, Equatable, Codable, CaseIterable {
        /// Acts only on the controller's instructions, under a contract (GDPR Art. 28).
        case processor
        /// Decides on its own use of the data, as a controller in its own right.
        case controller
        /// A separate company that uses the data for its own ends under its own policy.
        case thirdParty = "third_party"
    }

    /// Lowercase snake_case id; consent records are kept under it when ``requiresConsent`` is true.
    public var id: String
    /// The recipient's name.
    public var name: String
    /// Its postal address, if given.
    public var address: String?
    /// Its role.
    public var role: Role
    /// Why it receives data, in a plain sentence.
    public var purpose: String
    /// Ids of the categories it receives.
    public var receives: [String]
    /// Ids of the purposes it receives data for; nil means every purpose that uses a category it receives (see
    /// ``PrivacyPolicy/recipients(serving:)``), an empty list means none (sharing is its own activity, typically
    /// with consent).
    public var serves: [String]?
    /// Whether sharing needs the person's own consent.
    public var requiresConsent: Bool
    /// The short checkbox text; present whenever ``requiresConsent`` is true.
    public var consentLabel: String?
    /// A link to the recipient's own privacy policy.
    public var privacyPolicyURL: String?
    /// Whether data leaves the European Economic Area.
    public var transfersOutsideEEA: Bool

    /// Creates a recipient.
    public init(
        id: String, name: String, address: String? = nil, role: Role, purpose: String, receives: [String],
        serves: [String]? = nil, requiresConsent: Bool, consentLabel: String? = nil, privacyPolicyURL: String? = nil,
        transfersOutsideEEA: Bool = false
    ) {
        self.id = id
        self.name = name
        self.address = address
        self.role = role
        self.purpose = purpose
        self.receives = receives
        self.serves = serves
        self.requiresConsent = requiresConsent
        self.consentLabel = consentLabel
        self.privacyPolicyURL = privacyPolicyURL
        self.transfersOutsideEEA = transfersOutsideEEA
    }
}
