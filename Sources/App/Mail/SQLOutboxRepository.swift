import Foundation
import SQLKit
import Storage
import Vault

/// A stored outbox message, opened.
struct OutboxMessage {
    let id: String
    let subjectID: String?
    let kind: String
    let recipient: String
    let subject: String
    let raw: String
    let envelopeFrom: String
    let status: String
    let attempts: Int
    let lastError: String?
    let createdAt: Int64
}

/// One line of the console's outbox list.
struct OutboxSummary {
    let id: String
    let kind: String
    let recipient: String
    let subject: String
    let status: String
    let attempts: Int
    let lastError: String?
    let createdAt: Int64
}

/// Reads and updates the `outbox` table, opening sealed fields with the right key.
struct SQLOutboxRepository: Sendable {
    let database: Database
    let keyring: Keyring

    /// The message, or nil when it is gone or its recipient was erased (their key destroyed).
    func find(id: String) async throws -> OutboxMessage? {
        guard let row = try await database.sql.select().columns("*").from("outbox").where("id", .equal, id).first()
        else { return nil }
        let subjectID = try row.decode(column: "subject_id", as: String?.self)
        guard let key = try await key(for: subjectID) else { return nil }
        return OutboxMessage(
            id: id, subjectID: subjectID, kind: try row.decode(column: "kind", as: String.self),
            recipient: try key.openColumn(
                try row.decode(column: "recipient_enc", as: Data.self), "outbox.recipient_enc"),
            subject: try key.openColumn(try row.decode(column: "subject_enc", as: Data.self), "outbox.subject_enc"),
            raw: try key.openColumn(try row.decode(column: "message_enc", as: Data.self), "outbox.message_enc"),
            envelopeFrom: try row.decode(column: "envelope_from", as: String.self),
            status: try row.decode(column: "status", as: String.self),
            attempts: try row.decode(column: "attempts", as: Int.self),
            lastError: try row.decode(column: "last_error", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self))
    }

    /// Records an attempt's outcome.
    func mark(id: String, status: String, error: String?, now: Int64) async throws {
        var update = database.sql.update("outbox").set("status", to: status)
            .set(SQLIdentifier("attempts"), to: SQLRaw("attempts + 1")).set("updated_at", to: now)
            .set("last_error", to: error.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null)
        if status == "sent" { update = update.set("sent_at", to: now) }
        try await update.where("id", .equal, id).run()
    }

    /// The newest messages, opened where their key still exists.
    func recent(limit: Int) async throws -> [OutboxSummary] {
        let rows = try await database.sql.select().columns("*").from("outbox").orderBy("created_at", .descending)
            .limit(limit).all()
        var result: [OutboxSummary] = []
        for row in rows {
            let subjectID = try row.decode(column: "subject_id", as: String?.self)
            let key = try await key(for: subjectID)
            let open = { (column: String) -> String in
                guard let key, let data = try? row.decode(column: column, as: Data.self),
                    let text = try? key.openColumn(data, "outbox.\(column)")
                else { return "(erased)" }
                return text
            }
            result.append(
                OutboxSummary(
                    id: try row.decode(column: "id", as: String.self),
                    kind: try row.decode(column: "kind", as: String.self),
                    recipient: open("recipient_enc"), subject: open("subject_enc"),
                    status: try row.decode(column: "status", as: String.self),
                    attempts: try row.decode(column: "attempts", as: Int.self),
                    lastError: try row.decode(column: "last_error", as: String?.self),
                    createdAt: try row.decode(column: "created_at", as: Int64.self)))
        }
        return result
    }

    /// Counts by status.
    func counts() async throws -> [String: Int] {
        let rows = try await database.sql.select().column("status")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("outbox").groupBy("status").all()
        var counts: [String: Int] = [:]
        for row in rows {
            counts[try row.decode(column: "status", as: String.self)] = try row.decode(column: "n", as: Int.self)
        }
        return counts
    }

    private func key(for subjectID: String?) async throws -> DataKey? {
        guard let subjectID else { return keyring.systemKey("outbox") }
        return try await keyring.key(for: subjectID)
    }
}
