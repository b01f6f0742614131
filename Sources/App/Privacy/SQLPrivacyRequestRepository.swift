import Foundation
import SQLKit
import Storage

/// A data request, opened.
struct PrivacyRequest: Sendable {
    /// What the person asks for.
    enum Kind: String, Sendable, CaseIterable {
        case access
        case correction
        case erasure
        case objection

        var label: String {
            switch self {
            case .access: "A copy of my data"
            case .correction: "Correct my data"
            case .erasure: "Erase my data"
            case .objection: "Stop using my data for marketing"
            }
        }
    }

    enum Status: String, Sendable {
        /// Filed, waiting for the link sent to the address to be opened; does not count yet.
        case unconfirmed
        /// Confirmed; the deadline runs.
        case open
        /// Answered: done.
        case fulfilled
        /// Answered: refused, with the reason.
        case refused
    }

    let id: String
    let subjectID: String
    let kind: Kind
    var status: Status
    let email: String
    let details: String
    let confirmedAt: Int64?
    var dueAt: Int64?
    var extensionReason: String?
    let remindedAt: Int64?
    let overdueNotifiedAt: Int64?
    var answeredAt: Int64?
    var outcome: String?
    let handledBy: String?
    let createdAt: Int64

    /// Open and past its deadline.
    func isOverdue(now: Int64) -> Bool { status == .open && (dueAt ?? .max) < now }
}

/// The `privacy_requests` table; the address and the details are sealed with the request's own data key.
struct SQLPrivacyRequestRepository: Sendable {
    let database: Database
    let keyring: Keyring

    func create(
        id: String, subjectID: String, kind: PrivacyRequest.Kind, email: String, details: String, tokenHash: String,
        now: Int64, on db: any SQLDatabase
    ) async throws {
        let key = try await keyring.create(subject: subjectID, now: now, on: db)
        try await db.insert(into: "privacy_requests")
            .columns(
                "id", "subject_id", "kind", "status", "email_index", "email_enc", "details_enc", "token_hash",
                "created_at", "updated_at"
            )
            .values(
                SQLBind(id), SQLBind(subjectID), SQLBind(kind.rawValue),
                SQLBind(PrivacyRequest.Status.unconfirmed.rawValue),
                SQLBind(keyring.emailIndex(email)), SQLBind(key.sealColumn(email, "privacy_requests.email_enc")),
                SQLBind(key.sealColumn(details, "privacy_requests.details_enc")), SQLBind(tokenHash), SQLBind(now),
                SQLBind(now)
            ).run()
    }

    func find(id: String) async throws -> PrivacyRequest? {
        guard
            let row = try await database.sql.select().columns("*").from("privacy_requests").where("id", .equal, id)
                .first()
        else { return nil }
        return try await open(row)
    }

    func find(tokenHash: String) async throws -> PrivacyRequest? {
        guard
            let row = try await database.sql.select().columns("*").from("privacy_requests")
                .where("token_hash", .equal, tokenHash).first()
        else { return nil }
        return try await open(row)
    }

    func find(downloadHash: String, now: Int64) async throws -> PrivacyRequest? {
        guard
            let row = try await database.sql.select().columns("*").from("privacy_requests")
                .where("download_hash", .equal, downloadHash).where("download_expires_at", .greaterThan, now).first()
        else { return nil }
        return try await open(row)
    }

    /// Every confirmed request, the open ones first by deadline, then the answered ones newest first.
    func all(limit: Int = 500) async throws -> [PrivacyRequest] {
        let rows = try await database.sql.raw(
            """
            SELECT * FROM privacy_requests WHERE status <> 'unconfirmed'
            ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, due_at, answered_at DESC LIMIT \(bind: limit)
            """
        ).all()
        var requests: [PrivacyRequest] = []
        for row in rows { if let request = try await open(row) { requests.append(request) } }
        return requests
    }

    func confirm(id: String, dueAt: Int64, now: Int64) async throws -> Bool {
        try await database.sql.update("privacy_requests").set("status", to: PrivacyRequest.Status.open.rawValue)
            .set("confirmed_at", to: now).set("due_at", to: dueAt).set("updated_at", to: now)
            .where("id", .equal, id).where("status", .equal, PrivacyRequest.Status.unconfirmed.rawValue)
            .returning("id").all().count == 1
    }

    func extend(id: String, dueAt: Int64, reason: String, staffID: String, now: Int64, on db: any SQLDatabase)
        async throws
    {
        try await db.update("privacy_requests").set("due_at", to: dueAt).set("extension_reason", to: reason)
            .set("overdue_notified_at", to: SQLLiteral.null).set("handled_by", to: staffID).set("updated_at", to: now)
            .where("id", .equal, id).run()
    }

    func answer(
        id: String, status: PrivacyRequest.Status, outcome: String, staffID: String?, downloadHash: String?,
        downloadExpiresAt: Int64?, now: Int64, on db: any SQLDatabase
    ) async throws {
        try await db.update("privacy_requests").set("status", to: status.rawValue).set("outcome", to: outcome)
            .set("answered_at", to: now).set("handled_by", to: staffID).set("download_hash", to: downloadHash)
            .set("download_expires_at", to: downloadExpiresAt).set("updated_at", to: now).where("id", .equal, id).run()
    }

    func markReminded(id: String, overdue: Bool, now: Int64) async throws {
        try await database.sql.update("privacy_requests").set(overdue ? "overdue_notified_at" : "reminded_at", to: now)
            .where("id", .equal, id).run()
    }

    /// Open requests confirmed at least `reminderAfter` ms ago and not reminded yet, and open ones overdue and not
    /// notified yet.
    func needingReminders(now: Int64, reminderAfter: Int64) async throws -> (due: [String], overdue: [String]) {
        let due = try await database.sql.raw(
            """
            SELECT id FROM privacy_requests WHERE status = 'open' AND reminded_at IS NULL
                AND confirmed_at <= \(bind: now - reminderAfter) AND due_at >= \(bind: now)
            """
        ).all().map { try $0.decode(column: "id", as: String.self) }
        let overdue = try await database.sql.raw(
            """
            SELECT id FROM privacy_requests WHERE status = 'open' AND overdue_notified_at IS NULL
                AND due_at < \(bind: now)
            """
        ).all().map { try $0.decode(column: "id", as: String.self) }
        return (due, overdue)
    }

    /// Milliseconds from confirmation to answer of every answered request.
    func answerTimes() async throws -> [Int64] {
        try await database.sql.raw(
            """
            SELECT answered_at - confirmed_at AS took FROM privacy_requests
            WHERE answered_at IS NOT NULL AND confirmed_at IS NOT NULL ORDER BY took
            """
        ).all().map { try $0.decode(column: "took", as: Int64.self) }
    }

    /// Unconfirmed requests older than `before` (their link expired): deleted with their key.
    func deleteUnconfirmed(before: Int64) async throws -> Int {
        let rows = try await database.sql.select().column("subject_id").from("privacy_requests")
            .where("status", .equal, PrivacyRequest.Status.unconfirmed.rawValue).where("created_at", .lessThan, before)
            .all()
        let subjects = try rows.map { try $0.decode(column: "subject_id", as: String.self) }
        guard !subjects.isEmpty else { return 0 }
        let keyring = keyring
        try await database.transaction { db in
            for subject in subjects { try await keyring.destroy(subject: subject, on: db) }
            try await db.delete(from: "privacy_requests").where("subject_id", .in, SQLBind.group(subjects)).run()
        }
        return subjects.count
    }

    private func open(_ row: any SQLRow) async throws -> PrivacyRequest? {
        let subjectID = try row.decode(column: "subject_id", as: String.self)
        guard let key = try await keyring.key(for: subjectID) else { return nil }
        return PrivacyRequest(
            id: try row.decode(column: "id", as: String.self), subjectID: subjectID,
            kind: PrivacyRequest.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .access,
            status: PrivacyRequest.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .open,
            email: try key.openColumn(try row.decode(column: "email_enc", as: Data.self), "privacy_requests.email_enc"),
            details: try key.openColumn(
                try row.decode(column: "details_enc", as: Data.self), "privacy_requests.details_enc"),
            confirmedAt: try row.decode(column: "confirmed_at", as: Int64?.self),
            dueAt: try row.decode(column: "due_at", as: Int64?.self),
            extensionReason: try row.decode(column: "extension_reason", as: String?.self),
            remindedAt: try row.decode(column: "reminded_at", as: Int64?.self),
            overdueNotifiedAt: try row.decode(column: "overdue_notified_at", as: Int64?.self),
            answeredAt: try row.decode(column: "answered_at", as: Int64?.self),
            outcome: try row.decode(column: "outcome", as: String?.self),
            handledBy: try row.decode(column: "handled_by", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self))
    }
}
