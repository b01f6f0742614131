import Foundation

/// A mailing list, bound to one mailing purpose of the policy.
struct MailingList: Sendable, Equatable {
    /// Who may join: anyone from the public form, or only staff (imports) and members invited by staff.
    enum Visibility: String, Sendable, CaseIterable {
        case `public`
        case `private`
    }

    let id: String
    let name: String
    let description: String
    /// The policy purpose the list serves; subscribing is consent to it.
    let purpose: String
    let visibility: Visibility
}

/// A subscriber, opened with their data key.
struct Subscriber: Sendable {
    let id: String
    let subjectID: String
    let memberID: String?
    let email: String
    let name: String?
    let createdAt: Int64
}

/// One person's place on one list.
struct Subscription: Sendable, Equatable {
    enum Status: String, Sendable {
        /// Waiting for the double opt-in link to be opened; never mailed.
        case pending
        /// Confirmed; receives campaigns.
        case active
    }

    let listID: String
    let subscriberID: String
    let status: Status
    /// Where consent was given (the form, a member's settings, an import's source column).
    let source: String
    let consentedAt: Int64
    let confirmedAt: Int64?
}

/// Why a newsletter operation was refused.
enum NewsletterError: Error, Equatable {
    /// Field name → what is wrong.
    case invalid([String: String])
    /// The list does not exist or may not be joined this way.
    case unknownList
    /// The campaign does not exist.
    case unknownCampaign
    /// The campaign cannot make this change in its current state.
    case campaignState(String)
}
