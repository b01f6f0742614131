import Foundation
import SQLKit
import Storage
import Vault

/// A stored session.
struct SessionRecord: Sendable {
    let id: String
    let kind: String
    let principalID: String
    let secondFactorAt: Int64?
    let expiresAt: Int64
}

/// Server-side sessions and remember-me tokens. Only hashes of the cookie tokens are stored.
struct SQLSessionRepository: Sendable {
    let database: Database

    /// Creates a session and returns the cookie token (its hash is the row id).
    func create(kind: String, principalID: String, lifetime: Int64, now: Int64, on db: (any SQLDatabase)? = nil)
        async throws -> String
    {
        let token = Token.generate()
        try await (db ?? database.sql).insert(into: "sessions")
            .columns("id", "kind", "principal_id", "expires_at", "last_seen_at", "created_at", "updated_at")
            .values(
                SQLBind(Token.hash(token)), SQLBind(kind), SQLBind(principalID), SQLBind(now + lifetime), SQLBind(now),
                SQLBind(now), SQLBind(now)
            )
            .run()
        return token
    }

    /// The live session for a cookie token.
    func find(token: String, kind: String, now: Int64) async throws -> SessionRecord? {
        guard
            let row = try await database.sql.select().columns("*").from("sessions")
                .where("id", .equal, Token.hash(token)).where("kind", .equal, kind).first()
        else { return nil }
        let record = SessionRecord(
            id: try row.decode(column: "id", as: String.self),
            kind: kind,
            principalID: try row.decode(column: "principal_id", as: String.self),
            secondFactorAt: try row.decode(column: "second_factor_at", as: Int64?.self),
            expiresAt: try row.decode(column: "expires_at", as: Int64.self))
        guard record.expiresAt > now else {
            try await delete(id: record.id)
            return nil
        }
        return record
    }

    /// Records that the session passed its second factor.
    func markSecondFactor(id: String, now: Int64) async throws {
        try await database.sql.update("sessions").set("second_factor_at", to: now).set("updated_at", to: now)
            .where("id", .equal, id).run()
    }

    /// Ends one session.
    func delete(id: String, on db: (any SQLDatabase)? = nil) async throws {
        try await (db ?? database.sql).delete(from: "sessions").where("id", .equal, id).run()
    }

    /// Ends every session of a principal except `keeping`.
    func deleteAll(principalID: String, except keeping: String?, on db: any SQLDatabase) async throws {
        var query = db.delete(from: "sessions").where("principal_id", .equal, principalID)
        if let keeping { query = query.where("id", .notEqual, keeping) }
        try await query.run()
    }

    /// Issues a remember-me token `selector.validator`; the validator is stored hashed.
    func createRememberToken(memberID: String, lifetime: Int64, now: Int64) async throws -> String {
        let selector = Token.generate(byteCount: 12)
        let validator = Token.generate()
        try await database.sql.insert(into: "remember_tokens")
            .columns("id", "member_id", "validator_hash", "expires_at", "created_at", "updated_at")
            .values(
                SQLBind(selector), SQLBind(memberID), SQLBind(Token.hash(validator)), SQLBind(now + lifetime),
                SQLBind(now), SQLBind(now)
            )
            .run()
        return selector + "." + validator
    }

    /// Uses a remember-me token: when valid it is consumed and the member id returned, so the caller can issue a
    /// new one (rotation). A valid selector with a wrong validator means the token was stolen and replayed: every
    /// remember token of that member is revoked.
    func consumeRememberToken(_ value: String, now: Int64) async throws -> String? {
        let parts = value.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        guard
            let row = try await database.sql.select().columns("*").from("remember_tokens")
                .where("id", .equal, parts[0]).first()
        else { return nil }
        let memberID = try row.decode(column: "member_id", as: String.self)
        let expected = try row.decode(column: "validator_hash", as: String.self)
        let expiresAt = try row.decode(column: "expires_at", as: Int64.self)
        try await database.sql.delete(from: "remember_tokens").where("id", .equal, parts[0]).run()
        guard Token.constantTimeEquals(expected, Token.hash(parts[1])) else {
            try await database.sql.delete(from: "remember_tokens").where("member_id", .equal, memberID).run()
            return nil
        }
        return expiresAt > now ? memberID : nil
    }

    /// Revokes one remember-me token (at logout).
    func revokeRememberToken(_ value: String) async throws {
        guard let selector = value.split(separator: ".").first else { return }
        try await database.sql.delete(from: "remember_tokens").where("id", .equal, String(selector)).run()
    }

    /// Revokes every remember-me token of a member.
    func revokeRememberTokens(memberID: String, on db: any SQLDatabase) async throws {
        try await db.delete(from: "remember_tokens").where("member_id", .equal, memberID).run()
    }
}
