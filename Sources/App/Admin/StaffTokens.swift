import Foundation
import SQLKit
import Storage
import Vault

/// A staff member's API token, as listed (the token itself is shown once, when created).
struct StaffToken: Sendable, Equatable {
    let id: String
    let staffID: String
    let name: String
    let createdAt: Int64
    let lastUsedAt: Int64?
}

/// What can go wrong with API tokens.
public enum StaffTokenError: Error, Equatable {
    /// The name is empty or too long: the message says which.
    case invalidName(String)
    /// No such staff member.
    case unknownStaff
}

/// API tokens for the statistics API: created and revoked by their staff member, stored as SHA-256, and checked on
/// every API request (the holder gets the role of the staff member, at the moment of the request).
struct StaffTokens: Sendable {
    /// Every token starts with this, so a leaked one is easy to recognise (and to search for).
    static let prefix = "stw_"
    /// How often `last_used_at` is refreshed at most, so that reads do not turn into a write each.
    static let lastUsedResolution: Int64 = 60_000

    let database: Database
    let audit: AuditLog
    let clock: any WallClock

    /// Creates a token for `staffID` and returns it (the only time it is readable).
    func create(staffID: String, name rawName: String, requestID: String?) async throws -> String {
        let name = rawName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw StaffTokenError.invalidName("Give the token a name, e.g. \"reporting\".") }
        guard name.count <= 80 else { throw StaffTokenError.invalidName("Use at most 80 characters.") }
        let token = Self.prefix + Token.generate()
        let now = clock.milliseconds
        let audit = audit
        try await database.transaction { db in
            try await db.insert(into: "staff_tokens")
                .columns("id", "staff_id", "name", "token_hash", "created_at", "updated_at")
                .values(
                    SQLBind(Identifier.make()), SQLBind(staffID), SQLBind(name), SQLBind(Token.hash(token)),
                    SQLBind(now), SQLBind(now)
                ).run()
            try await audit.record(
                "staff.token.create", actor: .staff(staffID), subject: nil, requestID: requestID, details: [:], on: db)
        }
        return token
    }

    /// The staff member's tokens that are not revoked, newest first.
    func list(staffID: String) async throws -> [StaffToken] {
        let rows = try await database.sql.select().columns("id", "staff_id", "name", "created_at", "last_used_at")
            .from("staff_tokens").where("staff_id", .equal, staffID).where("revoked_at", .is, SQLLiteral.null)
            .orderBy("created_at", .descending).all()
        return try rows.map { row in
            StaffToken(
                id: try row.decode(column: "id", as: String.self),
                staffID: try row.decode(column: "staff_id", as: String.self),
                name: try row.decode(column: "name", as: String.self),
                createdAt: try row.decode(column: "created_at", as: Int64.self),
                lastUsedAt: try row.decode(column: "last_used_at", as: Int64?.self))
        }
    }

    /// Revokes one of the staff member's tokens. Returns false when there was no such token of theirs.
    func revoke(id: String, staffID: String, requestID: String?) async throws -> Bool {
        let now = clock.milliseconds
        let audit = audit
        return try await database.transaction { db in
            let rows = try await db.update("staff_tokens").set("revoked_at", to: now).set("updated_at", to: now)
                .where("id", .equal, id).where("staff_id", .equal, staffID)
                .where("revoked_at", .is, SQLLiteral.null).returning("id").all()
            guard !rows.isEmpty else { return false }
            try await audit.record(
                "staff.token.revoke", actor: .staff(staffID), subject: nil, requestID: requestID, details: [:],
                on: db)
            return true
        }
    }

    /// The staff member a presented token belongs to, or nil when it is unknown or revoked.
    func staffID(for token: String) async throws -> String? {
        guard token.hasPrefix(Self.prefix), token.utf8.count <= 100 else { return nil }
        guard
            let row = try await database.sql.select().columns("id", "staff_id", "last_used_at").from("staff_tokens")
                .where("token_hash", .equal, Token.hash(token)).where("revoked_at", .is, SQLLiteral.null).first()
        else { return nil }
        let now = clock.milliseconds
        if now - (try row.decode(column: "last_used_at", as: Int64?.self) ?? 0) >= Self.lastUsedResolution {
            try await database.sql.update("staff_tokens").set("last_used_at", to: now)
                .where("id", .equal, try row.decode(column: "id", as: String.self)).run()
        }
        return try row.decode(column: "staff_id", as: String.self)
    }
}
