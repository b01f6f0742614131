import Foundation
import Mailing
import Policy
import SQLKit
import Storage
import Vault

/// What an import did: every row is either imported, already there, or refused with its line and reason.
struct ImportOutcome: Sendable {
    /// New subscribers created and added to the list.
    var created = 0
    /// Existing subscribers newly added to the list.
    var added = 0
    /// Rows whose address was already on the list.
    var alreadyOnList = 0
    /// Refused rows (and file-level problems, on line 1), in line order.
    var refused: [SubscriberImport.Problem] = []
    /// Whether anything was written: false when the file was refused as a whole.
    var committed = false
    /// Rows read (header excluded).
    var rows = 0

    var imported: Int { created + added }
    /// Rows refused (a row may have several problems).
    var refusedRows: Int { Set(refused.filter { $0.line > 1 }.map(\.line)).count }
}

/// Imports subscribers from a CSV file into one list, in one transaction: either every accepted row is written
/// or none is.
///
/// Each row needs a consent source (where and when the person agreed); the consent is recorded as evidence with
/// that date and source. Addresses on the suppression list (they unsubscribed or bounced) are refused: only the
/// person can subscribe again, with double opt-in.
struct SubscriberImporter: Sendable {
    /// Rows written per INSERT statement (SQLite allows 32,766 bound values).
    static let batchSize = 400

    let database: Database
    let keyring: Keyring
    let consent: ConsentService
    let audit: AuditLog
    let clock: any WallClock

    /// Imports a CSV document.
    /// - Parameters:
    ///   - data: The file's bytes.
    ///   - list: The list to add everyone to.
    ///   - skipRefused: Import the acceptable rows even when others are refused; otherwise any refused row
    ///     refuses the whole file.
    ///   - staffID: Who imports, for the audit log.
    func run(
        _ data: [UInt8], into list: MailingList, skipRefused: Bool, staffID: String, requestID: String?
    ) async throws -> ImportOutcome {
        let now = clock.milliseconds
        let parsed = SubscriberImport.parse(data, now: Date(timeIntervalSince1970: Double(now) / 1000))
        var outcome = ImportOutcome()
        outcome.rows = parsed.rows.count + Set(parsed.problems.filter { $0.line > 1 }.map(\.line)).count
        outcome.refused = parsed.problems
        if parsed.rows.isEmpty && parsed.problems.isEmpty {
            outcome.refused = [.init(line: 1, column: nil, message: "the file has no rows to import")]
            return outcome
        }
        // A problem with the header (a missing column) refuses the whole file, whatever was asked.
        if parsed.rows.isEmpty || parsed.problems.contains(where: { $0.line <= 1 }) { return outcome }
        // Addresses already known, and suppressed ones, are looked up in batches before anything is written.
        let indexes = parsed.rows.map { keyring.emailIndex($0.email) }
        var existing: [String: String] = [:]
        var suppressed: Set<String> = []
        var onList: Set<String> = []
        for start in stride(from: 0, to: indexes.count, by: 900) {
            let slice = Array(indexes[start..<min(start + 900, indexes.count)])
            for row in try await database.sql.select().columns("id", "email_index").from("subscribers")
                .where("email_index", .in, slice).all()
            {
                existing[try row.decode(column: "email_index", as: String.self)] = try row.decode(
                    column: "id", as: String.self)
            }
            let suppressedRows = try await database.sql.select().column("email_index").from("suppressions")
                .where("email_index", .in, slice).where("list_id", .in, [list.id, "*"]).all()
            for row in suppressedRows {
                suppressed.insert(try row.decode(column: "email_index", as: String.self))
            }
        }
        let existingIDs = Array(existing.values)
        for start in stride(from: 0, to: existingIDs.count, by: 900) {
            let slice = Array(existingIDs[start..<min(start + 900, existingIDs.count)])
            for row in try await database.sql.select().column("subscriber_id").from("subscriptions")
                .where("list_id", .equal, list.id).where("subscriber_id", .in, slice).all()
            {
                onList.insert(try row.decode(column: "subscriber_id", as: String.self))
            }
        }
        var fresh: [(row: SubscriberImport.Row, index: String)] = []
        var joining: [(row: SubscriberImport.Row, id: String)] = []
        for (row, index) in zip(parsed.rows, indexes) {
            if suppressed.contains(index) {
                outcome.refused.append(
                    .init(
                        line: row.line, column: "email",
                        message:
                            "this address unsubscribed or bounced before; only its owner can subscribe again, from the form"
                    ))
            } else if let id = existing[index] {
                if onList.contains(id) { outcome.alreadyOnList += 1 } else { joining.append((row, id)) }
            } else {
                fresh.append((row, index))
            }
        }
        outcome.refused.sort { $0.line < $1.line }
        if !outcome.refused.isEmpty && !skipRefused { return outcome }
        let snapshot = consent.state.current
        let master = keyring.master
        let audit = audit
        let listID = list.id
        let purpose = list.purpose
        let refusedCount = outcome.refusedRows
        let counts = (created: fresh.count, added: joining.count)
        let newRows = fresh
        let joiningRows = joining
        try await database.transaction { db in
            for start in stride(from: 0, to: newRows.count, by: Self.batchSize) {
                let batch = newRows[start..<min(start + Self.batchSize, newRows.count)]
                var keys = db.insert(into: "data_keys").columns("subject_id", "wrapped_key", "created_at")
                var subscribers = db.insert(into: "subscribers")
                    .columns(
                        "id", "subject_id", "member_id", "email_index", "email_enc", "name_enc", "created_at",
                        "updated_at")
                var subscriptions = Self.subscriptionInsert(db)
                var consents = Self.consentInsert(db)
                var tags = db.insert(into: "subscriber_tags").columns("subscriber_id", "tag")
                var hasTags = false
                for item in batch {
                    let id = UUID().uuidString.lowercased()
                    let subjectID = UUID().uuidString.lowercased()
                    let key = DataKey.generate()
                    keys = keys.values(
                        SQLBind(subjectID), SQLBind(Data(master.wrap(key, subject: subjectID))), SQLBind(now))
                    subscribers = subscribers.values(
                        SQLBind(id), SQLBind(subjectID), SQLBind(String?.none), SQLBind(item.index),
                        SQLBind(key.sealColumn(item.row.email, "subscribers.email_enc")),
                        SQLBind(item.row.name.map { key.sealColumn($0, "subscribers.name_enc") }), SQLBind(now),
                        SQLBind(now))
                    subscriptions = Self.add(item.row, subscriberID: id, listID: listID, now: now, to: subscriptions)
                    consents = Self.add(
                        item.row, subjectID: subjectID, purpose: purpose, snapshot: snapshot, to: consents)
                    for tag in Set(item.row.tags) {
                        tags = tags.values(SQLBind(id), SQLBind(tag))
                        hasTags = true
                    }
                }
                try await keys.run()
                try await subscribers.run()
                try await subscriptions.run()
                try await consents.run()
                if hasTags { try await tags.run() }
            }
            for start in stride(from: 0, to: joiningRows.count, by: Self.batchSize) {
                let batch = joiningRows[start..<min(start + Self.batchSize, joiningRows.count)]
                var subscriptions = Self.subscriptionInsert(db)
                var consents = Self.consentInsert(db)
                let subjects = try await db.select().columns("id", "subject_id").from("subscribers")
                    .where("id", .in, batch.map(\.id)).all()
                var subjectOf: [String: String] = [:]
                for row in subjects {
                    subjectOf[try row.decode(column: "id", as: String.self)] = try row.decode(
                        column: "subject_id", as: String.self)
                }
                for item in batch {
                    subscriptions = Self.add(
                        item.row, subscriberID: item.id, listID: listID, now: now, to: subscriptions)
                    if let subjectID = subjectOf[item.id] {
                        consents = Self.add(
                            item.row, subjectID: subjectID, purpose: purpose, snapshot: snapshot, to: consents)
                    }
                }
                try await subscriptions.run()
                try await consents.run()
            }
            try await audit.record(
                "subscribers.import", actor: .staff(staffID), subject: nil, requestID: requestID,
                details: [
                    "list": listID, "created": String(counts.created), "added": String(counts.added),
                    "refused": String(refusedCount),
                ], on: db)
        }
        outcome.created = fresh.count
        outcome.added = joining.count
        outcome.committed = true
        return outcome
    }

    private static func subscriptionInsert(_ db: any SQLDatabase) -> SQLInsertBuilder {
        db.insert(into: "subscriptions")
            .columns(
                "list_id", "subscriber_id", "status", "source", "consented_at", "confirmed_at", "created_at",
                "updated_at")
    }

    private static func consentInsert(_ db: any SQLDatabase) -> SQLInsertBuilder {
        db.insert(into: "consent_records")
            .columns(
                "id", "subject_id", "purpose", "granted", "policy_version", "policy_hash", "method", "request_id",
                "created_at", "updated_at")
    }

    private static func add(
        _ row: SubscriberImport.Row, subscriberID: String, listID: String, now: Int64, to insert: SQLInsertBuilder
    ) -> SQLInsertBuilder {
        let consentedAt = Int64(row.consentedAt.timeIntervalSince1970 * 1000)
        return insert.values(
            SQLBind(listID), SQLBind(subscriberID), SQLBind("active"),
            SQLBind("import: " + row.consentSource), SQLBind(consentedAt), SQLBind(now), SQLBind(now), SQLBind(now))
    }

    private static func add(
        _ row: SubscriberImport.Row, subjectID: String, purpose: String, snapshot: PolicySnapshot,
        to insert: SQLInsertBuilder
    ) -> SQLInsertBuilder {
        let consentedAt = Int64(row.consentedAt.timeIntervalSince1970 * 1000)
        return insert.values(
            SQLBind(UUID().uuidString.lowercased()), SQLBind(subjectID), SQLBind(purpose), SQLBind(true),
            SQLBind(snapshot.policy.version), SQLBind(snapshot.contentHash), SQLBind("import"),
            SQLBind(String?.none), SQLBind(consentedAt), SQLBind(consentedAt))
    }
}
