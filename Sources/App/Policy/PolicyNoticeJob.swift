import Foundation
import Logging
import Policy
import SQLKit
import Storage
import Vault

/// Tells one member about a new policy version: an in-app notice and an e-mail summarising the changes.
///
/// Idempotent: the notice row (unique per member and version) is created together with the e-mail, so a job that
/// runs again after a crash finds the row and does nothing.
struct PolicyNoticeJob: JobHandler {
    static let kind = "policy.notify"

    struct Payload: Codable {
        let memberID: String
        let version: Int
    }

    let database: Database
    let members: SQLMemberRepository
    let keyring: Keyring
    let outbox: Outbox
    let state: PolicyState
    let links: SiteLinks
    let clock: any WallClock

    func run(payload: String, logger: Logger) async throws {
        let input = try JSONDecoder().decode(Payload.self, from: Data(payload.utf8))
        let existing = try await database.sql.select().column("id").from("policy_notices")
            .where("member_id", .equal, input.memberID).where("version", .equal, input.version).first()
        guard existing == nil else { return }
        guard let member = try await members.find(id: input.memberID),
            let key = try await keyring.key(for: member.subjectID)
        else { return }  // erased since: nobody to tell
        let snapshot = state.current
        guard let published = snapshot.versions.first(where: { $0.version == input.version }) else {
            throw JobError.retryable("policy version \(input.version) is not loaded yet")
        }
        let summary = published.diff?.summary ?? []
        let suspended = (published.diff?.changedConsentPurposes ?? []).compactMap { id in
            snapshot.policy.purpose(id)?.name ?? snapshot.policy.recipient(id)?.name
        }
        let now = clock.milliseconds
        let outbox = outbox
        let links = links
        try await database.transaction { db in
            try await db.insert(into: "policy_notices")
                .columns("id", "member_id", "version", "mailed_at", "created_at", "updated_at")
                .values(
                    SQLBind(Identifier.make()), SQLBind(input.memberID), SQLBind(input.version),
                    SQLBind(now), SQLBind(now), SQLBind(now)
                )
                .run()
            try await outbox.enqueue(
                OutgoingMail(
                    to: member.email, name: member.profile.name,
                    subject: "We updated our privacy policy (version \(input.version))", template: "policy-changed",
                    model: [
                        "version": String(input.version), "date": published.effectiveDate, "changes": summary,
                        "suspended": suspended, "hasSuspended": !suspended.isEmpty,
                        "policyLink": links.url(.privacyVersions), "privacyLink": links.url(.accountPrivacy),
                    ], kind: "policy.changed"),
                sealedFor: (member.subjectID, key), on: db)
        }
    }
}
