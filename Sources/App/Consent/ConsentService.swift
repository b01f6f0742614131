import Foundation
import Policy
import SQLKit
import Storage

/// The one place the rest of Steward asks: may purpose P use category C of person S now?
///
/// Also records every grant and withdrawal as evidence (with the policy version and hash in force), audited.
struct ConsentService: Sendable {
    /// How a consent was given or withdrawn.
    enum Method: String, Sendable {
        case registration
        case settings
        case banner
        case importFile = "import"
        case gpc
        case subscription
        /// The person objected to direct marketing (GDPR Art. 21): every marketing consent withdrawn at once.
        case objection
    }

    let database: Database
    let repository: SQLConsentRepository
    let state: PolicyState
    let audit: AuditLog
    let clock: any WallClock

    /// May `purpose` use `category` of the subject now? Reads the subject's newest records.
    func may(purpose: String, category: String, subjectID: String, gpc: Bool = false) async throws -> ConsentDecision {
        let grants = try await repository.grants(subjectID: subjectID)
        return state.current.engine.decide(
            purpose: purpose, category: category, state: ConsentState(grants: grants, globalPrivacyControl: gpc))
    }

    /// May data be shared with `recipient`?
    func mayShare(with recipient: String, subjectID: String, gpc: Bool = false) async throws -> ConsentDecision {
        let grants = try await repository.grants(subjectID: subjectID)
        return state.current.engine.decide(
            recipient: recipient, state: ConsentState(grants: grants, globalPrivacyControl: gpc))
    }

    /// Records changes (purpose or recipient id → granted) inside the caller's transaction; unchanged ones are
    /// skipped so the evidence shows only real decisions.
    /// - Returns: The ids of the records written.
    @discardableResult
    func record(
        _ changes: [(id: String, granted: Bool)], subjectID: String, method: Method, requestID: String?,
        actor: AuditLog.Actor, on db: any SQLDatabase
    ) async throws -> [String] {
        let snapshot = state.current
        let known = Set(snapshot.policy.consentPurposes.map(\.id) + snapshot.policy.consentRecipients.map(\.id))
        let current = try await repository.grants(subjectID: subjectID, on: db)
        // Records are ordered by time: keep each subject's strictly increasing even within one millisecond.
        var now = max(clock.milliseconds, (current.values.map(\.at).max() ?? 0) + 1)
        var written: [String] = []
        for change in changes where known.contains(change.id) {
            let existing = current[change.id]
            let suspended = existing.map { $0.policyVersion < (snapshot.revisions[change.id] ?? 0) } ?? false
            if let existing, existing.granted == change.granted, !suspended { continue }
            if existing == nil && !change.granted && method != .gpc && method != .banner { continue }
            let id = try await repository.insert(
                subjectID: subjectID, purpose: change.id, granted: change.granted,
                policyVersion: snapshot.policy.version, policyHash: snapshot.contentHash,
                method: method.rawValue,
                requestID: requestID, now: now, on: db)
            now += 1
            try await audit.record(
                change.granted ? "consent.grant" : "consent.withdraw", actor: actor, subject: subjectID,
                requestID: requestID,
                details: [
                    "purpose": change.id, "method": method.rawValue, "policy_version": String(snapshot.policy.version),
                ],
                on: db)
            written.append(id)
        }
        return written
    }

    /// Records changes in their own transaction.
    @discardableResult
    func record(
        _ changes: [(id: String, granted: Bool)], subjectID: String, method: Method, requestID: String?,
        actor: AuditLog.Actor
    ) async throws -> [String] {
        try await database.transaction { db in
            try await record(changes, subjectID: subjectID, method: method, requestID: requestID, actor: actor, on: db)
        }
    }

    /// The subject's current state for every consent purpose and recipient.
    func overview(subjectID: String, gpc: Bool) async throws -> [ConsentItem] {
        let snapshot = state.current
        let grants = try await repository.grants(subjectID: subjectID)
        let consentState = ConsentState(grants: grants, globalPrivacyControl: gpc)
        var items: [ConsentItem] = []
        for purpose in snapshot.policy.consentPurposes {
            let decision = snapshot.engine.decide(
                purpose: purpose.id, category: purpose.categories.first ?? "", state: consentState)
            items.append(
                ConsentItem(
                    id: purpose.id, name: purpose.name, label: purpose.consentLabel ?? purpose.name,
                    description: purpose.description, grant: grants[purpose.id], decision: decision))
        }
        for recipient in snapshot.policy.consentRecipients {
            let decision = snapshot.engine.decide(recipient: recipient.id, state: consentState)
            items.append(
                ConsentItem(
                    id: recipient.id, name: recipient.name,
                    label: recipient.consentLabel ?? "Share with \(recipient.name)",
                    description: recipient.purpose, grant: grants[recipient.id], decision: decision))
        }
        return items
    }

    /// Every record of the subject, newest first.
    func history(subjectID: String) async throws -> [ConsentRecord] {
        try await repository.records(subjectID: subjectID).reversed()
    }

    /// A consent receipt for one record, modelled on the Kantara Initiative consent receipt (v1.1).
    func receipt(recordID: String, subjectID: String, subjectEmail: String) async throws -> [String: Any]? {
        guard let record = try await repository.record(id: recordID, subjectID: subjectID) else { return nil }
        let snapshot = state.current
        let policy = snapshot.policy
        let purpose = policy.purpose(record.purpose)
        let recipient = policy.recipient(record.purpose)
        let categories = purpose?.categories ?? recipient?.receives ?? []
        return [
            "version": "KI-CR-v1.1.0",
            "jurisdiction": policy.controller.country,
            "consentTimestamp": record.createdAt / 1000,
            "collectionMethod": record.method,
            "consentReceiptID": record.id,
            "publicKey": NSNull(),
            "language": "en",
            "piiPrincipalId": subjectEmail,
            "piiControllers": [
                [
                    "piiController": policy.controller.name,
                    "contact": policy.controller.email,
                    "address": [
                        "streetAddress": policy.controller.street, "postalCode": policy.controller.postalCode,
                        "addressLocality": policy.controller.city, "addressCountry": policy.controller.country,
                    ],
                    "email": policy.controller.email,
                ]
            ],
            "policyUrl": "/privacy/versions#v\(record.policyVersion)",
            "policyVersion": record.policyVersion,
            "policyHash": record.policyHash,
            "services": [
                [
                    "service": purpose?.name ?? recipient?.name ?? record.purpose,
                    "purposes": [
                        [
                            "purpose": purpose?.description ?? recipient?.purpose ?? "",
                            "purposeId": record.purpose,
                            "consentType": "EXPLICIT",
                            "purposeCategory": [purpose?.name ?? recipient?.name ?? record.purpose],
                            "piiCategory": categories.map { policy.category($0)?.name ?? $0 },
                            "primaryPurpose": false,
                            "termination": record.granted ? "until withdrawn" : "withdrawn",
                            "thirdPartyDisclosure": recipient != nil,
                            "thirdPartyName": recipient?.name ?? NSNull(),
                            "state": record.granted ? "granted" : "withdrawn",
                        ] as [String: Any]
                    ],
                ] as [String: Any]
            ],
            "sensitive": false,
            "spiCat": [String](),
        ]
    }
}

/// One consent purpose or recipient as a member sees it.
struct ConsentItem: Sendable {
    let id: String
    let name: String
    let label: String
    let description: String
    let grant: ConsentGrant?
    let decision: ConsentDecision

    var isActive: Bool { decision.isAllowed }
    var isSuspended: Bool {
        if case .denied(.consentSuspended) = decision { return true }
        return false
    }
    var isBlockedByGPC: Bool {
        if case .denied(.globalPrivacyControl) = decision { return true }
        return false
    }
}
