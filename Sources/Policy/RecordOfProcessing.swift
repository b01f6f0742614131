import Foundation

/// The record of processing activities that GDPR Article 30 asks a controller to keep, built from the policy.
public struct RecordOfProcessing: Sendable, Equatable, Codable {
    /// One processing activity (a purpose, or sharing with a recipient that needs consent) with everything
    /// Article 30(1) asks about it.
    public struct Activity: Sendable, Equatable, Codable {
        /// The purpose or recipient id.
        public let id: String
        /// The activity's name.
        public let name: String
        /// What is done.
        public let description: String
        /// The legal basis, as the GDPR names it.
        public let legalBasis: String
        /// Whether the person's consent is asked first.
        public let requiresConsent: Bool
        /// The categories of personal data, by name.
        public let categories: [String]
        /// Recipients of those categories: name and role.
        public let recipients: [String]
        /// Recipients that transfer data outside the EEA, by name.
        public let transfersOutsideEEA: [String]
        /// Per category: how long it is kept.
        public let retention: [String]
    }

    /// When the record was generated, as given by the caller (e.g. an ISO 8601 timestamp).
    public let generatedAt: String
    /// The policy version it describes.
    public let policyVersion: Int
    /// That version's date.
    public let policyDate: String
    /// That version's ``PrivacyPolicy/contentHash``.
    public let policyHash: String
    /// The controller.
    public let controller: Controller
    /// One activity per purpose, in file order, then one per recipient that needs its own consent.
    public let activities: [Activity]
    /// The non-personal analytics: what is recorded and how long raw events are kept.
    public let analytics: AnalyticsDeclaration
    /// Days within which data-subject requests are answered.
    public let requestDeadlineDays: Int
    /// The technical and organisational security measures.
    public let securityMeasures: [String]

    /// Builds the record.
    /// - Parameters:
    ///   - policy: The policy in force.
    ///   - generatedAt: The time to print as the generation time; passed in so the output is reproducible.
    public init(_ policy: PrivacyPolicy, generatedAt: String) {
        self.generatedAt = generatedAt
        policyVersion = policy.version
        policyDate = policy.date
        policyHash = policy.contentHash
        controller = policy.controller
        analytics = policy.analytics
        requestDeadlineDays = policy.requests.deadlineDays
        securityMeasures = policy.security
        let purposeActivities = policy.purposes.map { purpose in
            Self.activity(
                id: purpose.id, name: purpose.name, description: purpose.description, basis: purpose.legalBasis,
                requiresConsent: purpose.requiresConsent, categories: purpose.categories,
                recipients: policy.recipients(serving: purpose.id), policy: policy)
        }
        // Sharing that needs its own consent is a processing activity of its own.
        let sharingActivities = policy.consentRecipients.map { recipient in
            Self.activity(
                id: recipient.id, name: "Sharing with \(recipient.name)", description: recipient.purpose,
                basis: .consent, requiresConsent: true, categories: recipient.receives, recipients: [recipient],
                policy: policy)
        }
        activities = purposeActivities + sharingActivities
    }

    /// One activity with its categories, recipients and retention spelled out.
    private static func activity(
        id: String, name: String, description: String, basis: LegalBasis, requiresConsent: Bool,
        categories: [String], recipients: [Recipient], policy: PrivacyPolicy
    ) -> Activity {
        Activity(
            id: id, name: name, description: description, legalBasis: Wording.formalBasis(basis),
            requiresConsent: requiresConsent, categories: categories.map { policy.category($0)?.name ?? $0 },
            recipients: recipients.map { recipient in
                let consent = recipient.requiresConsent ? ", only with the person's consent" : ""
                return "\(recipient.name) (\(Self.role(recipient.role))\(consent))"
            },
            transfersOutsideEEA: recipients.filter(\.transfersOutsideEEA).map(\.name),
            retention: categories.map { id in
                let name = policy.category(id)?.name ?? id
                guard let rule = policy.retention(for: id) else { return "\(name): no retention rule" }
                return "\(name): \(Wording.retention(rule.rule))"
            })
    }

    /// A recipient's role as the GDPR names it.
    private static func role(_ role: Recipient.Role) -> String {
        switch role {
        case .processor: "processor"
        case .controller: "controller"
        case .thirdParty: "third party"
        }
    }

    /// The record as JSON: pretty-printed, keys sorted.
    /// - Throws: `EncodingError` (not expected for this plain data).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
