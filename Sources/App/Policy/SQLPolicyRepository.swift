import Foundation
import Policy
import SQLKit
import Storage

/// A published policy version as stored.
struct PublishedVersion: Sendable {
    let version: Int
    let effectiveDate: String
    let contentHash: String
    let source: String
    let diff: PolicyDiff?
    let publishedAt: Int64
}

/// The `policy_versions` table: every version ever published, with its source and its diff to the one before.
struct SQLPolicyRepository: Sendable {
    let database: Database

    func all() async throws -> [PublishedVersion] {
        let rows = try await database.sql.select().columns("*").from("policy_versions").orderBy("version").all()
        return try rows.map(Self.decode)
    }

    func latestVersionNumber() async throws -> Int? {
        let row = try await database.sql.select().column(SQLFunction("MAX", args: SQLColumn("version")), as: "v")
            .from("policy_versions").first()
        return try row?.decode(column: "v", as: Int?.self)
    }

    func insert(
        version: Int, effectiveDate: String, contentHash: String, source: String, diff: PolicyDiff?, now: Int64,
        on db: any SQLDatabase
    ) async throws {
        let diffJSON = try diff.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try await db.insert(into: "policy_versions")
            .columns("version", "effective_date", "content_hash", "source", "diff", "published_at")
            .values(
                SQLBind(version), SQLBind(effectiveDate), SQLBind(contentHash), SQLBind(source), SQLBind(diffJSON),
                SQLBind(now)
            )
            .run()
    }

    private static func decode(_ row: any SQLRow) throws -> PublishedVersion {
        let diff = try row.decode(column: "diff", as: String?.self).map {
            try JSONDecoder().decode(PolicyDiff.self, from: Data($0.utf8))
        }
        return PublishedVersion(
            version: try row.decode(column: "version", as: Int.self),
            effectiveDate: try row.decode(column: "effective_date", as: String.self),
            contentHash: try row.decode(column: "content_hash", as: String.self),
            source: try row.decode(column: "source", as: String.self),
            diff: diff,
            publishedAt: try row.decode(column: "published_at", as: Int64.self))
    }
}
