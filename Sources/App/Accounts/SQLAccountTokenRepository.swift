import Foundation
import SQLKit
import Storage
import Vault

/// Single-use, expiring tokens for links sent by e-mail. Only their hashes are stored.
struct SQLAccountTokenRepository: Sendable {
    /// What a token is for.
    enum Purpose: String {
        case verify
        case emailChange = "email_change"
        case reset
    }

    let database: Database

    /// Issues a token, replacing earlier unused ones of the same purpose.
    func issue(memberID: String, purpose: Purpose, lifetime: Int64, now: Int64, on db: any SQLDatabase) async throws
        -> String
    {
        try await db.delete(from: "account_tokens").where("member_id", .equal, memberID)
            .where("purpose", .equal, purpose.rawValue).where("used_at", .is, SQLLiteral.null).run()
        let token = Token.generate()
        try await db.insert(into: "account_tokens")
            .columns("id", "member_id", "purpose", "expires_at", "created_at", "updated_at")
            .values(
                SQLBind(Token.hash(token)), SQLBind(memberID), SQLBind(purpose.rawValue), SQLBind(now + lifetime),
                SQLBind(now), SQLBind(now)
            )
            .run()
        return token
    }

    /// Uses a token once: returns its member when it exists, has this purpose, is unused and unexpired.
    func consume(_ token: String, purpose: Purpose, now: Int64, on db: any SQLDatabase) async throws -> String? {
        // The conditional update makes use single even when two requests race with the same link.
        let rows = try await db.update("account_tokens").set("used_at", to: now).set("updated_at", to: now)
            .where("id", .equal, Token.hash(token)).where("purpose", .equal, purpose.rawValue)
            .where("used_at", .is, SQLLiteral.null).where("expires_at", .greaterThan, now)
            .returning("member_id").all()
        return try rows.first?.decode(column: "member_id", as: String.self)
    }

    /// Whether a token would be accepted now, without using it (to show the reset form).
    func isValid(_ token: String, purpose: Purpose, now: Int64) async throws -> Bool {
        try await database.sql.select().column("id").from("account_tokens")
            .where("id", .equal, Token.hash(token)).where("purpose", .equal, purpose.rawValue)
            .where("used_at", .is, SQLLiteral.null).where("expires_at", .greaterThan, now).first() != nil
    }
}
