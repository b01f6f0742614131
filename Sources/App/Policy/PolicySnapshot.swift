import Foundation
import Policy
import Synchronization

/// The live policy: the newest published version and everything derived from it, swapped atomically when a
/// newer version is published (by this process or another instance).
struct PolicySnapshot: Sendable {
    let policy: PrivacyPolicy
    /// The policy's content hash, computed once (consent records carry it).
    let contentHash: String
    let document: PolicyDocument
    let engine: ConsentEngine
    /// For each consent purpose or recipient, the version in which its meaning last changed.
    let revisions: [String: Int]
    /// The newest version that changed what the cookie banner asks; older choices are asked again.
    let cookieRevision: Int
    /// Every published version, oldest first.
    let versions: [PublishedVersion]
    /// Purposes and recipients that `Sec-GPC: 1` opts out of.
    let gpcPurposes: Set<String>
    /// Banner categories (analytics, marketing, preferences) that have non-essential cookies, in display order.
    let bannerCategories: [String]
    /// What each banner category covers, in words, from its cookies.
    let bannerDescriptions: [String: String]

    init(versions: [PublishedVersion], policy: PrivacyPolicy) {
        self.policy = policy
        contentHash = policy.contentHash
        self.versions = versions
        document = PolicyDocument(policy)
        var revisions: [String: Int] = [:]
        var cookieRevision = versions.first?.version ?? policy.version
        for version in versions {
            guard let diff = version.diff else { continue }
            for id in diff.changedConsentPurposes { revisions[id] = version.version }
            if diff.requiresNewCookieChoice { cookieRevision = version.version }
        }
        self.revisions = revisions
        self.cookieRevision = cookieRevision
        gpcPurposes = Self.gpcPurposes(of: policy)
        engine = ConsentEngine(policy: policy, purposeRevisions: revisions, gpcPurposes: gpcPurposes)
        let present = Set(policy.cookies.filter { !$0.essential }.map(\.category))
        bannerCategories = ["preferences", "analytics", "marketing"].filter { present.contains($0) }
        var descriptions: [String: String] = [:]
        for category in bannerCategories {
            descriptions[category] = policy.cookies.filter { !$0.essential && $0.category == category }
                .map { "\($0.description) (\($0.name))" }.joined(separator: " ")
        }
        bannerDescriptions = descriptions
    }

    /// What Global Privacy Control opts out of: advertising, sharing with consent-based recipients, and every
    /// purpose that sets a non-essential cookie.
    static func gpcPurposes(of policy: PrivacyPolicy) -> Set<String> {
        var purposes = Set(policy.consentRecipients.map(\.id))
        for purpose in policy.consentPurposes where purpose.id.contains("advertising") || purpose.id.contains("offers")
        {
            purposes.insert(purpose.id)
        }
        for cookie in policy.cookies where !cookie.essential && cookie.category != "preferences" {
            if cookie.purpose != "essential" { purposes.insert(cookie.purpose) }
            if cookie.provider != "first-party" { purposes.insert(cookie.provider) }
        }
        return purposes
    }

    /// The consent purposes and recipients a banner category stands for (so a member's banner choice is
    /// recorded as consent for them).
    func consentIDs(forBannerCategory category: String) -> [String] {
        var ids: [String] = []
        for cookie in policy.cookies where !cookie.essential && cookie.category == category {
            if let purpose = policy.purpose(cookie.purpose), purpose.requiresConsent, !ids.contains(purpose.id) {
                ids.append(purpose.id)
            }
            if let recipient = policy.recipient(cookie.provider), recipient.requiresConsent, !ids.contains(recipient.id)
            {
                ids.append(recipient.id)
            }
        }
        return ids
    }

    var current: PublishedVersion? { versions.last }
}

/// Holds the live ``PolicySnapshot``.
final class PolicyState: Sendable {
    private let snapshot: Mutex<PolicySnapshot>

    init(_ snapshot: PolicySnapshot) {
        self.snapshot = Mutex(snapshot)
    }

    var current: PolicySnapshot { snapshot.withLock { $0 } }

    func replace(_ new: PolicySnapshot) {
        snapshot.withLock { $0 = new }
    }
}
