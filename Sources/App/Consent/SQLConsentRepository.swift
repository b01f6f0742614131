import Foundation
import Policy
import SQLKit
import Storage
import Vault

/// One stored consent record: evidence of a grant or withdrawal.
struct ConsentRecord: Sendable {
    let id: String
    let subjectID: String
    let purpose: String
    let granted: Bool
    let policyVersion: Int
    let policyHash: String
    let method: String
    let createdAt: Int64
}

/// The `consent_records` table: append-only evidence, newest record per purpose wins.
struct SQLConsentRepository: Sendable {
    let database: Database

    func insert(
        subjectID: String, purpose: String, granted: Bool, policyVersion: Int, policyHash: String, method: String,
        requestID: String?, now: Int64, on db: any SQLDatabase
    ) async throws -> String {
        let id = Identifier.make()
        try await db.insert(into: "consent_records")
            .columns(
                "id", "subject_id", "purpose", "granted", "policy_version", "policy_hash", "method", "request_id",
                "created_at", "updated_at"
            )
            .values(
                SQLBind(id), SQLBind(subjectID), SQLBind(purpose), SQLBind(granted), SQLBind(policyVersion),
                SQLBind(policyHash), SQLBind(method), SQLBind(requestID), SQLBind(now), SQLBind(now)
            )
            .run()
        return id
    }

    /// Every record of a subject, oldest first.
    func records(subjectID: String, on db: (any SQLDatabase)? = nil) async throws -> [ConsentRecord] {
        let rows = try await (db ?? database.sql).select().columns("*").from("consent_records")
            .where("subject_id", .equal, subjectID).orderBy("created_at").orderBy("id").all()
        return try rows.map(Self.decode)
    }

    func record(id: String, subjectID: String) async throws -> ConsentRecord? {
        try await database.sql.select().columns("*").from("consent_records").where("id", .equal, id)
            .where("subject_id", .equal, subjectID).first().map(Self.decode)
    }

    /// The newest record per purpose.
    func grants(subjectID: String, on db: (any SQLDatabase)? = nil) async throws -> [String: ConsentGrant] {
        var grants: [String: ConsentGrant] = [:]
        for record in try await records(subjectID: subjectID, on: db) {
            grants[record.purpose] = ConsentGrant(
                granted: record.granted, policyVersion: record.policyVersion, at: record.createdAt)
        }
        return grants
    }

    func deleteAll(subjectID: String, on db: any SQLDatabase) async throws {
        try await db.delete(from: "consent_records").where("subject_id", .equal, subjectID).run()
    }

    private static func decode(_ row: any SQLRow) throws -> ConsentRecord {
        ConsentRecord(
            id: try row.decode(column: "id", as: String.self),
            subjectID: try row.decode(column: "subject_id", as: String.self),
            purpose: try row.decode(column: "purpose", as: String.self),
            granted: try row.decode(column: "granted", as: Bool.self),
            policyVersion: try row.decode(column: "policy_version", as: Int.self),
            policyHash: try row.decode(column: "policy_hash", as: String.self),
            method: try row.decode(column: "method", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self))
    }
}
