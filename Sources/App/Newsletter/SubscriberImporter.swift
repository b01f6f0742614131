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
        let keyring = keyring
        let indexes = await Self.inParallel(parsed.rows) { keyring.emailIndex($0.email) }
        var existing: [String: String] = [:]
        var suppressed: Set<String> = []
        var onList: Set<String> = []
        let database = database
        let listID = list.id
        let found = try await withThrowingTaskGroup(of: ([(String, String)], [String]).self) { group in
            for start in stride(from: 0, to: indexes.count, by: 900) {
                let slice = Array(indexes[start..<min(start + 900, indexes.count)])
                group.addTask {
                    let known = try await database.sql.select().columns("id", "email_index").from("subscribers")
                        .where("email_index", .in, slice).all().map {
                            (
                                try $0.decode(column: "email_index", as: String.self),
                                try $0.decode(column: "id", as: String.self)
                            )
                        }
                    let blocked = try await database.sql.select().column("email_index").from("suppressions")
                        .where("email_index", .in, slice).where("list_id", .in, [listID, "*"]).all()
                        .map { try $0.decode(column: "email_index", as: String.self) }
                    return (known, blocked)
                }
            }
            var all: [([(String, String)], [String])] = []
            for try await part in group { all.append(part) }
            return all
        }
        for (known, blocked) in found {
            for (index, id) in known { existing[index] = id }
            suppressed.formUnion(blocked)
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
        let purpose = list.purpose
        let refusedCount = outcome.refusedRows
        let counts = (created: fresh.count, added: joining.count)
        let newRows = fresh
        let joiningRows = joining
        try await database.transaction { db in
            let policy = (version: snapshot.policy.version, hash: snapshot.contentHash)
            // A large import writes far more pages than a connection caches; let this one hold them until COMMIT
            // instead of spilling them to the WAL midway, and give the memory back afterwards.
            let sqlite = db.dialect.name == "sqlite"
            if sqlite {
                try await db.raw("PRAGMA cache_size = -65536").run()
                try await db.raw("PRAGMA keystore.cache_size = -16384").run()
            }
            // Batches overlap: while SQLite writes one, the next is sealed (a data key per person, wrapped, and
            // their address and name encrypted) and its statements built, on the other cores.
            try await withThrowingTaskGroup(of: Void.self) { batches in
                var inFlight = 0
                for start in stride(from: 0, to: newRows.count, by: Self.batchSize) {
                    let rows = Array(newRows[start..<min(start + Self.batchSize, newRows.count)])
                    batches.addTask {
                        let batch = rows.map { item in (item, Self.seal(item.row, master: master, now: now)) }
                        try await Self.insert(
                            batch, listID: listID, purpose: purpose, policy: policy, now: now, on: db)
                    }
                    inFlight += 1
                    if inFlight >= 3 {
                        try await batches.next()
                        inFlight -= 1
                    }
                }
                try await batches.waitForAll()
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
                            item.row, subjectID: subjectID, purpose: purpose, policy: policy, to: consents)
                    }
                }
                try await subscriptions.run()
                try await consents.run()
            }
            if sqlite {
                try await db.raw("PRAGMA cache_size = -8192").run()
                try await db.raw("PRAGMA keystore.cache_size = -2000").run()
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

    /// A new subscriber's id, key and sealed fields, made before the transaction.
    private struct Sealed: Sendable {
        let id: String
        let subjectID: String
        let wrappedKey: Data
        let email: Data
        let name: Data?
    }

    /// A new subscriber's id, data key (wrapped) and sealed address and name.
    private static func seal(_ row: SubscriberImport.Row, master: MasterKey, now: Int64) -> Sealed {
        let subjectID = Identifier.make(milliseconds: now)
        let key = DataKey.generate()
        return Sealed(
            id: Identifier.make(milliseconds: now), subjectID: subjectID,
            wrappedKey: Data(master.wrap(key, subject: subjectID)),
            email: key.sealColumn(row.email, "subscribers.email_enc"),
            name: row.name.map { key.sealColumn($0, "subscribers.name_enc") })
    }

    /// Writes one batch of new subscribers: five statements on the transaction's connection, built concurrently.
    private static func insert(
        _ batch: [((row: SubscriberImport.Row, index: String), Sealed)], listID: String, purpose: String,
        policy: (version: Int, hash: String), now: Int64, on db: any SQLDatabase
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var insert = db.insert(into: "data_keys").columns("subject_id", "wrapped_key", "created_at")
                for (_, prepared) in batch {
                    insert = insert.values(SQLBind(prepared.subjectID), SQLBind(prepared.wrappedKey), SQLBind(now))
                }
                try await insert.run()
            }
            group.addTask {
                var insert = db.insert(into: "subscribers")
                    .columns(
                        "id", "subject_id", "member_id", "email_index", "email_enc", "name_enc", "created_at",
                        "updated_at")
                for (item, prepared) in batch {
                    insert = insert.values(
                        SQLBind(prepared.id), SQLBind(prepared.subjectID), SQLBind(String?.none), SQLBind(item.index),
                        SQLBind(prepared.email), SQLBind(prepared.name), SQLBind(now), SQLBind(now))
                }
                try await insert.run()
            }
            group.addTask {
                var insert = subscriptionInsert(db)
                for (item, prepared) in batch {
                    insert = add(item.row, subscriberID: prepared.id, listID: listID, now: now, to: insert)
                }
                try await insert.run()
            }
            group.addTask {
                var insert = consentInsert(db)
                for (item, prepared) in batch {
                    insert = add(item.row, subjectID: prepared.subjectID, purpose: purpose, policy: policy, to: insert)
                }
                try await insert.run()
            }
            group.addTask {
                var insert = db.insert(into: "subscriber_tags").columns("subscriber_id", "tag")
                var any = false
                for (item, prepared) in batch {
                    for tag in Set(item.row.tags) {
                        insert = insert.values(SQLBind(prepared.id), SQLBind(tag))
                        any = true
                    }
                }
                if any { try await insert.run() }
            }
            try await group.waitForAll()
        }
    }

    /// Maps `items` in order, in one chunk per core.
    private static func inParallel<Item: Sendable, Output: Sendable>(
        _ items: [Item], _ transform: @escaping @Sendable (Item) -> Output
    ) async -> [Output] {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        guard items.count >= 1000, cores > 1 else { return items.map(transform) }
        let size = (items.count + cores - 1) / cores
        return await withTaskGroup(of: (Int, [Output]).self) { group in
            for start in stride(from: 0, to: items.count, by: size) {
                let chunk = items[start..<min(start + size, items.count)]
                group.addTask { (start, chunk.map(transform)) }
            }
            var parts: [(Int, [Output])] = []
            for await part in group { parts.append(part) }
            return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
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
        _ row: SubscriberImport.Row, subjectID: String, purpose: String, policy: (version: Int, hash: String),
        to insert: SQLInsertBuilder
    ) -> SQLInsertBuilder {
        let consentedAt = Int64(row.consentedAt.timeIntervalSince1970 * 1000)
        return insert.values(
            SQLBind(Identifier.make(milliseconds: consentedAt)), SQLBind(subjectID), SQLBind(purpose), SQLBind(true),
            SQLBind(policy.version), SQLBind(policy.hash), SQLBind("import"),
            SQLBind(String?.none), SQLBind(consentedAt), SQLBind(consentedAt))
    }
}
