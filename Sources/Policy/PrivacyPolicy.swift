import Crypto
import Foundation

/// A privacy policy as structured data: the single source for the public policy page, consent choices, the
/// cookie banner, retention, data export and the record of processing.
///
/// Load one with ``PolicyLoader/load(yaml:file:)``, which validates it; a value built in code is not checked.
public struct PrivacyPolicy: Sendable, Equatable, Codable {
    /// The version number: 1, 2, 3 … strictly increasing from one publication to the next.
    public var version: Int
    /// When this version takes effect or was last amended, as `YYYY-MM-DD`.
    public var date: String
    /// Who is responsible for the data.
    public var controller: Controller
    /// The kinds of data Steward handles, personal or not.
    public var categories: [DataCategory]
    /// Why the data is used.
    public var purposes: [Purpose]
    /// How long each category is kept; one rule per category.
    public var retention: [RetentionRule]
    /// Who else receives data.
    public var recipients: [Recipient]
    /// Every cookie the site sets.
    public var cookies: [CookieDeclaration]
    /// The non-personal visitor statistics.
    public var analytics: AnalyticsDeclaration
    /// How data-subject requests are answered.
    public var requests: RequestsDeclaration
    /// Security measures as short phrases.
    public var security: [String]
    /// Open and click tracking in campaign e-mails; nil (the default) means there is none.
    public var mailTracking: MailTrackingDeclaration?

    /// Creates a policy from its parts (not validated).
    public init(
        version: Int, date: String, controller: Controller, categories: [DataCategory], purposes: [Purpose],
        retention: [RetentionRule], recipients: [Recipient], cookies: [CookieDeclaration],
        analytics: AnalyticsDeclaration, requests: RequestsDeclaration, security: [String],
        mailTracking: MailTrackingDeclaration? = nil
    ) {
        self.version = version
        self.date = date
        self.controller = controller
        self.categories = categories
        self.purposes = purposes
        self.retention = retention
        self.recipients = recipients
        self.cookies = cookies
        self.analytics = analytics
        self.requests = requests
        self.security = security
        self.mailTracking = mailTracking
    }

    /// The category with this id, if declared.
    public func category(_ id: String) -> DataCategory? {
        categories.first { $0.id == id }
    }

    /// The purpose with this id, if declared.
    public func purpose(_ id: String) -> Purpose? {
        purposes.first { $0.id == id }
    }

    /// The recipient with this id, if declared.
    public func recipient(_ id: String) -> Recipient? {
        recipients.first { $0.id == id }
    }

    /// The retention rule for a category id, if there is one.
    public func retention(for category: String) -> RetentionRule? {
        retention.first { $0.category == category }
    }

    /// The recipients that receive data for a purpose, in file order: those whose `serves` lists it, and those
    /// without `serves` that receive one of the purpose's categories.
    public func recipients(serving purpose: String) -> [Recipient] {
        let categories = Set(self.purpose(purpose)?.categories ?? [])
        return recipients.filter { recipient in
            if let serves = recipient.serves { return serves.contains(purpose) }
            return recipient.receives.contains(where: categories.contains)
        }
    }

    /// Purposes that need the person's consent, in file order.
    public var consentPurposes: [Purpose] {
        purposes.filter(\.requiresConsent)
    }

    /// Recipients that need the person's consent before data is shared with them, in file order.
    public var consentRecipients: [Recipient] {
        recipients.filter(\.requiresConsent)
    }

    /// SHA-256 (lowercase hex) of a canonical JSON encoding with sorted keys: identifies the exact content.
    ///
    /// Computed on every access; keep the value when it is needed often.
    public var contentHash: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and booleans cannot fail.
        let data = try! encoder.encode(self)
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
