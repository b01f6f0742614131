import Foundation
import SQLKit
import Storage
import Vault

/// The append-only, hash-chained audit log.
///
/// Entries hold no personal data: the subject is a pseudonymous id, details are non-personal JSON.
public struct AuditLog: Sendable {
    /// Who did it.
    public enum Actor: Sendable {
        case member(String)
        case staff(String)
        case system
        case anonymous

        var text: String {
            switch self {
            case .member(let id): "member:\(id)"
            case .staff(let id): "staff:\(id)"
            case .system: "system"
            case .anonymous: "anonymous"
            }
        }
    }

    private let database: Database
    private let clock: any WallClock

    /// Creates the audit log.
    public init(database: Database, clock: any WallClock) {
        self.database = database
        self.clock = clock
    }

    /// Appends an entry inside the caller's transaction, so it commits with the change it records.
    ///
    /// The single `audit_head` row is updated in the same transaction, which serialises appenders on both engines.
    public func record(
        _ action: String, actor: Actor, subject: String?, requestID: String?, details: [String: String] = [:],
        on db: any SQLDatabase
    ) async throws {
        let lock = database.kind == .postgres ? " FOR UPDATE" : ""
        guard
            let head = try await db.raw("SELECT sequence, hash FROM audit_head WHERE id = 1\(unsafeRaw: lock)").first()
        else { throw AuditError.missingHead }
        let previous = try head.decode(column: "hash", as: String.self)
        let sequence = try head.decode(column: "sequence", as: Int64.self) + 1
        let detailsJSON = String(
            decoding: try JSONSerialization.data(withJSONObject: details, options: [.sortedKeys]), as: UTF8.self)
        let record = AuditRecord(
            sequence: sequence, occurredAt: clock.milliseconds, actor: actor.text, subject: subject, action: action,
            requestID: requestID, details: detailsJSON)
        let hash = AuditChain.hash(record: record, previousHash: previous)
        try await db.insert(into: "audit_log")
            .columns(
                "sequence", "occurred_at", "actor", "subject", "action", "request_id", "details", "previous_hash",
                "hash"
            )
            .values(
                SQLBind(sequence), SQLBind(record.occurredAt), SQLBind(record.actor), SQLBind(subject), SQLBind(action),
                SQLBind(requestID), SQLBind(detailsJSON), SQLBind(previous), SQLBind(hash)
            )
            .run()
        try await db.update("audit_head").set("sequence", to: sequence).set("hash", to: hash).where("id", .equal, 1)
            .run()
    }

    /// Appends an entry in its own transaction.
    public func record(
        _ action: String, actor: Actor, subject: String?, requestID: String?, details: [String: String] = [:]
    ) async throws {
        try await database.transaction { db in
            try await record(action, actor: actor, subject: subject, requestID: requestID, details: details, on: db)
        }
    }

    /// Checks the whole chain, and that its last entry is the one the head remembers (so removing the newest
    /// entries is caught too).
    ///
    /// On SQLite, one pass over the stored bytes in one read transaction (``AuditChainScan``), so the chain and the
    /// head are checked as of the same moment. On PostgreSQL, entries are read in pages of 10,000 and checked as
    /// they come. Either way memory stays flat however long the log is; only when something is wrong is the whole
    /// log read at once, to tell exactly what happened.
    public func verify() async throws -> AuditVerification {
        if let scanned = try await database.withSQLiteReader({ try AuditChainScan.intactCount($0) }) {
            if let count = scanned { return .intact(count: count) }
            return try await verifyAll()
        }
        return try await verifyInPages()
    }

    /// The PostgreSQL check: pages of 10,000 entries, then the stray numbers and the head.
    private func verifyInPages() async throws -> AuditVerification {
        var previousHash = AuditChain.genesis
        var expected: Int64 = 1
        var count = 0
        while true {
            let rows = try await database.sql.raw(
                """
                SELECT sequence, occurred_at, actor, subject, action, request_id, details, previous_hash, hash
                FROM audit_log WHERE sequence >= \(bind: expected) ORDER BY sequence LIMIT 10000
                """
            ).all()
            for row in rows {
                let entry = try Self.entry(row)
                guard entry.record.sequence == expected, entry.previousHash == previousHash,
                    entry.hash == AuditChain.hash(record: entry.record, previousHash: entry.previousHash)
                else { return try await verifyAll() }
                previousHash = entry.hash
                expected += 1
                count += 1
            }
            if rows.count < 10000 { break }
        }
        // Entries with numbers below 1 are never written; any such row means an edit.
        let stray =
            try await database.sql.raw("SELECT COUNT(*) AS n FROM audit_log WHERE sequence < 1").first()?
            .decode(column: "n", as: Int.self) ?? 0
        if stray > 0 { return try await verifyAll() }
        return try await checkHead(count: count, lastSequence: expected - 1, lastHash: previousHash)
    }

    /// Reads the whole log and reports the first problem precisely.
    private func verifyAll() async throws -> AuditVerification {
        let rows = try await database.sql.select().columns("*").from("audit_log").orderBy("sequence").all()
        let entries = try rows.map(Self.entry)
        let result = AuditChain.verify(entries)
        guard case .intact(let count) = result else { return result }
        return try await checkHead(
            count: count, lastSequence: entries.last?.record.sequence ?? 0,
            lastHash: entries.last?.hash ?? AuditChain.genesis)
    }

    private func checkHead(count: Int, lastSequence: Int64, lastHash: String) async throws -> AuditVerification {
        guard let head = try await database.sql.select().columns("sequence", "hash").from("audit_head").first() else {
            throw AuditError.missingHead
        }
        let headSequence = try head.decode(column: "sequence", as: Int64.self)
        let headHash = try head.decode(column: "hash", as: String.self)
        if headSequence != lastSequence {
            return .broken(sequence: lastSequence + 1, problem: .removed)
        }
        if headHash != lastHash {
            return .broken(sequence: headSequence, problem: .changed)
        }
        return .intact(count: count)
    }

    private static func entry(_ row: any SQLRow) throws -> ChainedAuditEntry {
        ChainedAuditEntry(
            record: AuditRecord(
                sequence: try row.decode(column: "sequence", as: Int64.self),
                occurredAt: try row.decode(column: "occurred_at", as: Int64.self),
                actor: try row.decode(column: "actor", as: String.self),
                subject: try row.decode(column: "subject", as: String?.self),
                action: try row.decode(column: "action", as: String.self),
                requestID: try row.decode(column: "request_id", as: String?.self),
                details: try row.decode(column: "details", as: String.self)),
            previousHash: try row.decode(column: "previous_hash", as: String.self),
            hash: try row.decode(column: "hash", as: String.self))
    }
}

/// Audit log failures.
public enum AuditError: Error {
    /// The `audit_head` row is gone: the log cannot be appended to or verified.
    case missingHead
}
