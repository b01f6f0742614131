import Foundation
import SQLKit
import Storage

/// Reads everything Steward holds about one member, across every store, for the data export (GDPR Art. 15 and 20).
struct SQLDataExportRepository: Sendable {
    let database: Database
    let keyring: Keyring

    struct Session: Sendable {
        let kind: String
        let createdAt: Int64
        let lastSeenAt: Int64?
        let expiresAt: Int64
    }

    struct Subscription: Sendable {
        let subscriberID: String
        let list: String
        let listPurpose: String
        let status: String
        let source: String
        let consentedAt: Int64?
        let confirmedAt: Int64?
    }

    struct Delivery: Sendable {
        let campaign: String
        let status: String
        let sentAt: Int64?
    }

    struct Notification: Sendable {
        let version: Int
        let mailedAt: Int64?
        let acknowledgedAt: Int64?
    }

    struct Message: Sendable {
        let kind: String
        let subject: String
        let status: String
        let createdAt: Int64
        let sentAt: Int64?
    }

    /// The member's sign-in sessions and remembered devices that have not expired.
    func sessions(memberID: String, now: Int64) async throws -> [Session] {
        let sessions = try await database.sql.select().columns("kind", "created_at", "last_seen_at", "expires_at")
            .from("sessions").where("principal_id", .equal, memberID).where("kind", .equal, "member")
            .where("expires_at", .greaterThan, now).orderBy("created_at").all()
        let remembered = try await database.sql.select().columns("created_at", "expires_at").from("remember_tokens")
            .where("member_id", .equal, memberID).where("expires_at", .greaterThan, now).orderBy("created_at").all()
        return try sessions.map { row in
            Session(
                kind: "session", createdAt: try row.decode(column: "created_at", as: Int64.self),
                lastSeenAt: try row.decode(column: "last_seen_at", as: Int64?.self),
                expiresAt: try row.decode(column: "expires_at", as: Int64.self))
        }
            + (try remembered.map { row in
                Session(
                    kind: "remembered device", createdAt: try row.decode(column: "created_at", as: Int64.self),
                    lastSeenAt: nil, expiresAt: try row.decode(column: "expires_at", as: Int64.self))
            })
    }

    /// A subscriber without an account, by address: their pseudonymous subject, name (opened) and first date.
    func subscriber(email: String) async throws -> (subjectID: String, name: String, createdAt: Int64)? {
        guard
            let row = try await database.sql.select().columns("subject_id", "name_enc", "created_at").from(
                "subscribers"
            )
            .where("email_index", .equal, keyring.emailIndex(email)).where("member_id", .is, SQLLiteral.null)
            .orderBy("created_at").first()
        else { return nil }
        let subjectID = try row.decode(column: "subject_id", as: String.self)
        guard let key = try await keyring.key(for: subjectID) else { return nil }
        let sealed = try row.decode(column: "name_enc", as: Data?.self)
        return (
            subjectID, try sealed.map { try key.openColumn($0, "subscribers.name_enc") } ?? "",
            try row.decode(column: "created_at", as: Int64.self)
        )
    }

    /// The subscriber ids that belong to the member: linked to the account, or with the same address.
    func subscriberIDs(memberID: String, email: String) async throws -> [String] {
        let rows = try await database.sql.select().column("id").from("subscribers")
            .where("member_id", .equal, memberID).orWhere("email_index", .equal, keyring.emailIndex(email)).all()
        return try rows.map { try $0.decode(column: "id", as: String.self) }
    }

    func subscriptions(subscriberIDs: [String]) async throws -> [Subscription] {
        guard !subscriberIDs.isEmpty else { return [] }
        let rows = try await database.sql.raw(
            """
            SELECT s.subscriber_id, l.name, l.purpose, s.status, s.source, s.consented_at, s.confirmed_at
            FROM subscriptions s JOIN mailing_lists l ON l.id = s.list_id
            WHERE s.subscriber_id IN \(SQLBind.group(subscriberIDs)) ORDER BY s.created_at
            """
        ).all()
        return try rows.map { row in
            Subscription(
                subscriberID: try row.decode(column: "subscriber_id", as: String.self),
                list: try row.decode(column: "name", as: String.self),
                listPurpose: try row.decode(column: "purpose", as: String.self),
                status: try row.decode(column: "status", as: String.self),
                source: try row.decode(column: "source", as: String.self),
                consentedAt: try row.decode(column: "consented_at", as: Int64?.self),
                confirmedAt: try row.decode(column: "confirmed_at", as: Int64?.self))
        }
    }

    func tags(subscriberIDs: [String]) async throws -> [String] {
        guard !subscriberIDs.isEmpty else { return [] }
        let rows = try await database.sql.select().column("tag").from("subscriber_tags")
            .where("subscriber_id", .in, SQLBind.group(subscriberIDs)).orderBy("tag").all()
        return Array(Set(try rows.map { try $0.decode(column: "tag", as: String.self) })).sorted()
    }

    func deliveries(subscriberIDs: [String]) async throws -> [Delivery] {
        guard !subscriberIDs.isEmpty else { return [] }
        let rows = try await database.sql.raw(
            """
            SELECT c.subject, d.status, d.sent_at FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id
            WHERE d.subscriber_id IN \(SQLBind.group(subscriberIDs)) ORDER BY d.created_at, d.id
            """
        ).all()
        return try rows.map { row in
            Delivery(
                campaign: try row.decode(column: "subject", as: String.self),
                status: try row.decode(column: "status", as: String.self),
                sentAt: try row.decode(column: "sent_at", as: Int64?.self))
        }
    }

    func notifications(memberID: String) async throws -> [Notification] {
        let rows = try await database.sql.select().columns("version", "mailed_at", "acknowledged_at")
            .from("policy_notices").where("member_id", .equal, memberID).orderBy("version").all()
        return try rows.map { row in
            Notification(
                version: try row.decode(column: "version", as: Int.self),
                mailedAt: try row.decode(column: "mailed_at", as: Int64?.self),
                acknowledgedAt: try row.decode(column: "acknowledged_at", as: Int64?.self))
        }
    }

    /// Messages sent to the person (their subjects, opened with their key; not the bodies).
    func messages(subjectIDs: [String]) async throws -> [Message] {
        var messages: [Message] = []
        for subjectID in subjectIDs {
            guard let key = try await keyring.key(for: subjectID) else { continue }
            let rows = try await database.sql.select().columns("kind", "subject_enc", "status", "created_at", "sent_at")
                .from("outbox").where("subject_id", .equal, subjectID).orderBy("created_at").all()
            for row in rows {
                messages.append(
                    Message(
                        kind: try row.decode(column: "kind", as: String.self),
                        subject: try key.openColumn(
                            try row.decode(column: "subject_enc", as: Data.self), "outbox.subject_enc"),
                        status: try row.decode(column: "status", as: String.self),
                        createdAt: try row.decode(column: "created_at", as: Int64.self),
                        sentAt: try row.decode(column: "sent_at", as: Int64?.self)))
            }
        }
        return messages.sorted { $0.createdAt < $1.createdAt }
    }

    /// The pseudonymous subject ids of the member's subscriber records (their messages are sealed under them).
    func subscriberSubjectIDs(subscriberIDs: [String]) async throws -> [String] {
        guard !subscriberIDs.isEmpty else { return [] }
        let rows = try await database.sql.select().column("subject_id").from("subscribers")
            .where("id", .in, SQLBind.group(subscriberIDs)).all()
        return try rows.map { try $0.decode(column: "subject_id", as: String.self) }
    }
}
