import Foundation
import Policy
import SQLKit
import Storage

/// The rights a member uses with one click on `/account/privacy`: object to direct marketing (GDPR Art. 21) and
/// restrict processing (Art. 18).
struct PrivacyRightsService: Sendable {
    let database: Database
    let consent: ConsentService
    let subscriptions: SubscriptionService
    let subscribers: SQLSubscriberRepository
    let keyring: Keyring
    let audit: AuditLog
    let state: PolicyState
    let clock: any WallClock

    /// The consents that count as marketing: every purpose and recipient asking consent to use contact details,
    /// and the tracking of campaign e-mails (it only serves marketing mail).
    func marketingConsents() -> [String] {
        let policy = state.current.policy
        var ids =
            policy.consentPurposes.filter { $0.categories.contains("contact") }.map(\.id)
            + policy.consentRecipients.filter { $0.receives.contains("contact") }.map(\.id)
        if let tracking = policy.mailTracking?.purpose, !ids.contains(tracking) { ids.append(tracking) }
        return ids
    }

    /// Withdraws every marketing consent, ends the matching subscriptions, and suppresses the address on every list
    /// so that no marketing mail reaches it again, in one transaction.
    /// - Returns: The consents that were withdrawn.
    @discardableResult
    func objectToMarketing(member: Member, request: RequestInfo) async throws -> [String] {
        let purposes = marketingConsents()
        let now = clock.milliseconds
        let consent = consent
        let subscriptions = subscriptions
        let subscribers = subscribers
        let audit = audit
        let emailIndex = keyring.emailIndex(member.email)
        return try await database.transaction { db in
            let changed = try await consent.record(
                purposes.map { (id: $0, granted: false) }, subjectID: member.subjectID, method: .objection,
                requestID: request.requestID, actor: .member(member.id), on: db)
            for purpose in purposes {
                try await subscriptions.followConsent(
                    memberID: member.id, subjectID: member.subjectID, purpose: purpose, granted: false,
                    request: request, on: db)
            }
            try await subscribers.suppress(
                emailIndex: emailIndex, listID: "*", reason: "objection", detail: nil, now: now, on: db)
            try await audit.record(
                "privacy.object_marketing", actor: .member(member.id), subject: member.subjectID,
                requestID: request.requestID, details: ["withdrawn": changed.joined(separator: ",")], on: db)
            return changed
        }
    }

    /// When processing of the member's data is restricted, or nil.
    func restrictedSince(memberID: String) async throws -> Int64? {
        let row = try await database.sql.select().column("restricted_at").from("members")
            .where("id", .equal, memberID).first()
        return try row?.decode(column: "restricted_at", as: Int64?.self)
    }

    /// Restricts (or lifts the restriction of) the processing of the member's data: while restricted, their data
    /// is kept but not used — no campaign mail reaches them.
    func setRestricted(_ restricted: Bool, member: Member, request: RequestInfo) async throws {
        let now = clock.milliseconds
        let audit = audit
        try await database.transaction { db in
            try await db.update("members").set("restricted_at", to: restricted ? SQLBind(now) : SQLBind(Int64?.none))
                .set("updated_at", to: now).where("id", .equal, member.id).run()
            if restricted {
                // Campaign mail already queued for them is not sent.
                try await db.raw(
                    """
                    UPDATE deliveries SET status = 'dropped', last_error = 'processing restricted', updated_at = \(bind: now)
                    WHERE status IN ('pending', 'sending')
                    AND subscriber_id IN (SELECT id FROM subscribers WHERE member_id = \(bind: member.id))
                    """
                ).run()
            }
            try await audit.record(
                restricted ? "privacy.restrict" : "privacy.restrict_lifted", actor: .member(member.id),
                subject: member.subjectID, requestID: request.requestID, on: db)
        }
    }
}
