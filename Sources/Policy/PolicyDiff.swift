/// What changed between two versions of the policy, in plain language, and what that means for consents and the
/// cookie banner.
public struct PolicyDiff: Sendable, Equatable, Codable {
    /// One change to one item.
    public struct Change: Sendable, Equatable, Codable {
        /// Whether the item is new, gone or different.
        public enum Kind: String, Sendable, Equatable, Codable {
            /// The item is new.
            case added
            /// The item is gone.
            case removed
            /// The item is still there but differs.
            case changed
        }

        /// The part of the policy the item belongs to.
        public enum Section: String, Sendable, Equatable, Codable {
            /// A purpose.
            case purposes
            /// A data category.
            case categories
            /// A retention rule (id: the category id).
            case retention
            /// A recipient.
            case recipients
            /// A cookie (id: its name).
            case cookies
            /// The controller's details (id: `controller`).
            case controller
            /// Request handling (id: `deadlineDays` or `contactEmail`).
            case requests
            /// The non-personal analytics (id: `analytics`).
            case analytics
            /// A security measure (id: the measure's text).
            case security
            /// Open and click tracking of campaign e-mails (id: `mailTracking`).
            case mailTracking
        }

        /// Added, removed or changed.
        public let kind: Kind
        /// Where in the policy.
        public let section: Section
        /// The item's id.
        public let id: String
        /// One plain-language sentence for members.
        public let summary: String

        /// Creates a change.
        public init(kind: Kind, section: Section, id: String, summary: String) {
            self.kind = kind
            self.section = section
            self.id = id
            self.summary = summary
        }
    }

    /// The old version.
    public let from: Int
    /// The new version.
    public let to: Int
    /// Every change, by section (purposes, categories, retention, recipients, cookies, controller, requests,
    /// analytics, security, mail tracking); within a section in the new file's order, removals last.
    public let changes: [Change]
    /// Consent purposes, then consent-requiring recipients, whose meaning changed: consents given for them are
    /// suspended until given again.
    ///
    /// A purpose's meaning changes with its description, legal basis or categories, when it newly needs consent,
    /// or when the recipients serving it without asking their own consent change (one added or removed, or one
    /// changing its role or starting or stopping transfers outside the EEA). A recipient's meaning changes with its
    /// purpose, role, categories, its declared `serves`, EEA transfers, or when it newly needs consent. New items
    /// are not listed: there is no old consent to suspend.
    public let changedConsentPurposes: [String]
    /// Whether anything the cookie banner asks about changed: a non-essential cookie added, removed or changed,
    /// or a consent purpose or recipient added, removed or changed in meaning. The banner then asks again.
    public let requiresNewCookieChoice: Bool

    /// Whether nothing changed that members would notice.
    public var isEmpty: Bool { changes.isEmpty }

    /// One sentence per change, for the e-mail and the in-app notice.
    public var summary: [String] { changes.map(\.summary) }

    /// Compares two versions.
    public init(from old: PrivacyPolicy, to new: PrivacyPolicy) {
        from = old.version
        to = new.version
        changes =
            Self.purposeChanges(old, new) + Self.categoryChanges(old, new) + Self.retentionChanges(old, new)
            + Self.recipientChanges(old, new) + Self.cookieChanges(old, new) + Self.controllerChanges(old, new)
            + Self.requestChanges(old, new) + Self.analyticsChanges(old, new) + Self.securityChanges(old, new)
            + Self.mailTrackingChanges(old, new)
        let changedConsent = Self.changedConsentItems(old, new)
        changedConsentPurposes = changedConsent
        requiresNewCookieChoice = Self.cookieChoiceChanged(old, new, changedConsent: changedConsent)
    }
}
