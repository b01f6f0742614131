import Foundation
import SQLKit
import Storage
import Vault

/// Member rows: every personal field sealed with the member's data key, e-mail found by its blind index.
struct SQLMemberRepository: Sendable {
    let database: Database
    let keyring: Keyring

    /// Whether an e-mail address belongs to a member (current or pending change).
    func emailInUse(_ email: String, on db: (any SQLDatabase)? = nil) async throws -> Bool {
        let index = keyring.emailIndex(email)
        let row = try await (db ?? database.sql).select().column("id").from("members")
            .where("email_index", .equal, index).orWhere("pending_email_index", .equal, index).first()
        return row != nil
    }

    /// Creates a member with a fresh data key.
    func create(
        id: String, subjectID: String, email: String, profile: MemberProfile, passwordHash: String, now: Int64,
        on db: any SQLDatabase
    ) async throws -> DataKey {
        let key = try await keyring.create(subject: subjectID, now: now, on: db)
        try await db.insert(into: "members")
            .columns(
                "id", "subject_id", "email_index", "email_enc", "name_enc", "street_enc", "postal_code_enc", "city_enc",
                "country_enc", "extra_enc", "password_hash", "created_at", "updated_at"
            )
            .values(
                SQLBind(id), SQLBind(subjectID), SQLBind(keyring.emailIndex(email)),
                SQLBind(key.sealColumn(email, "members.email_enc")),
                SQLBind(key.sealColumn(profile.name, "members.name_enc")),
                SQLBind(key.sealColumn(profile.street, "members.street_enc")),
                SQLBind(key.sealColumn(profile.postalCode, "members.postal_code_enc")),
                SQLBind(key.sealColumn(profile.city, "members.city_enc")),
                SQLBind(key.sealColumn(profile.country, "members.country_enc")),
                SQLBind(key.sealColumn(profile.extra, "members.extra_enc")), SQLBind(passwordHash), SQLBind(now),
                SQLBind(now)
            )
            .run()
        return key
    }

    /// The member's pseudonymous subject id (no decryption).
    func subjectID(memberID: String) async throws -> String? {
        try await database.sql.select().column("subject_id").from("members").where("id", .equal, memberID).first()?
            .decode(column: "subject_id", as: String.self)
    }

    /// All member ids.
    func allIDs() async throws -> [String] {
        try await database.sql.select().column("id").from("members").all().map {
            try $0.decode(column: "id", as: String.self)
        }
    }

    /// The member with this id.
    func find(id: String, on db: (any SQLDatabase)? = nil) async throws -> Member? {
        guard
            let row = try await (db ?? database.sql).select().columns("*").from("members").where("id", .equal, id)
                .first()
        else { return nil }
        return try await open(row, on: db)
    }

    /// The member with this e-mail address.
    func find(email: String, on db: (any SQLDatabase)? = nil) async throws -> Member? {
        guard
            let row = try await (db ?? database.sql).select().columns("*").from("members")
                .where("email_index", .equal, keyring.emailIndex(email)).first()
        else { return nil }
        return try await open(row, on: db)
    }

    /// Saves corrected details.
    func update(id: String, subjectID: String, profile: MemberProfile, now: Int64, on db: any SQLDatabase) async throws
    {
        guard let key = try await keyring.key(for: subjectID, on: db) else { throw AccountError.notFound }
        try await db.update("members")
            .set("name_enc", to: SQLBind(key.sealColumn(profile.name, "members.name_enc")))
            .set("street_enc", to: SQLBind(key.sealColumn(profile.street, "members.street_enc")))
            .set("postal_code_enc", to: SQLBind(key.sealColumn(profile.postalCode, "members.postal_code_enc")))
            .set("city_enc", to: SQLBind(key.sealColumn(profile.city, "members.city_enc")))
            .set("country_enc", to: SQLBind(key.sealColumn(profile.country, "members.country_enc")))
            .set("extra_enc", to: SQLBind(key.sealColumn(profile.extra, "members.extra_enc")))
            .set("updated_at", to: now)
            .where("id", .equal, id).run()
    }

    /// Marks the e-mail address verified.
    func markVerified(id: String, now: Int64, on db: any SQLDatabase) async throws {
        try await db.update("members").set("email_verified_at", to: now).set("updated_at", to: now)
            .where("id", .equal, id).run()
    }

    /// Stores a new password hash.
    func setPassword(id: String, hash: String, now: Int64, on db: any SQLDatabase) async throws {
        try await db.update("members").set("password_hash", to: hash).set("updated_at", to: now)
            .where("id", .equal, id).run()
    }

    /// Remembers an address the member wants to change to, until they confirm it.
    func setPendingEmail(id: String, subjectID: String, email: String, now: Int64, on db: any SQLDatabase) async throws
    {
        guard let key = try await keyring.key(for: subjectID, on: db) else { throw AccountError.notFound }
        try await db.update("members")
            .set("pending_email_index", to: keyring.emailIndex(email))
            .set("pending_email_enc", to: SQLBind(key.sealColumn(email, "members.pending_email_enc")))
            .set("updated_at", to: now)
            .where("id", .equal, id).run()
    }

    /// Makes the pending address the member's address (verified, since the link proved it).
    func confirmPendingEmail(id: String, subjectID: String, email: String, now: Int64, on db: any SQLDatabase)
        async throws
    {
        guard let key = try await keyring.key(for: subjectID, on: db) else { throw AccountError.notFound }
        try await db.update("members")
            .set("email_index", to: keyring.emailIndex(email))
            .set("email_enc", to: SQLBind(key.sealColumn(email, "members.email_enc")))
            .set("pending_email_index", to: SQLLiteral.null).set("pending_email_enc", to: SQLLiteral.null)
            .set("email_verified_at", to: now).set("updated_at", to: now)
            .where("id", .equal, id).run()
    }

    /// Removes the member's rows (after their key was destroyed).
    func delete(id: String, subjectID: String, on db: any SQLDatabase) async throws {
        try await db.delete(from: "account_tokens").where("member_id", .equal, id).run()
        try await db.delete(from: "remember_tokens").where("member_id", .equal, id).run()
        try await db.delete(from: "sessions").where("principal_id", .equal, id).run()
        try await db.delete(from: "security_events").where("subject_id", .equal, subjectID).run()
        try await db.delete(from: "outbox").where("subject_id", .equal, subjectID).run()
        try await db.delete(from: "consent_records").where("subject_id", .equal, subjectID).run()
        try await SQLMailTrackingRepository.delete(subjectIDs: [subjectID], on: db)
        try await db.delete(from: "policy_notices").where("member_id", .equal, id).run()
        // The member's place on mailing lists: subscriptions, interests, and deliveries not yet sent.
        let subscribers = SQLSubquery.select { $0.column("id").from("subscribers").where("member_id", .equal, id) }
        try await db.update("deliveries").set("status", to: "dropped").set("last_error", to: "account deleted")
            .where("subscriber_id", .in, subscribers).where("status", .in, ["pending", "sending"]).run()
        try await db.delete(from: "subscriptions").where("subscriber_id", .in, subscribers).run()
        try await db.delete(from: "subscriber_tags").where("subscriber_id", .in, subscribers).run()
        try await db.delete(from: "subscribers").where("member_id", .equal, id).run()
        try await db.delete(from: "members").where("id", .equal, id).run()
    }

    /// Records a sign-in for the retention of unused accounts (and clears an earlier inactivity warning).
    func markActive(id: String, now: Int64, on db: any SQLDatabase) async throws {
        try await db.update("members").set("last_active_at", to: now)
            .set("inactivity_warned_at", to: SQLLiteral.null).where("id", .equal, id).run()
    }

    /// Appends to the security log.
    func logSecurityEvent(
        subjectID: String, key: DataKey, kind: String, ip: String, userAgent: String, now: Int64, on db: any SQLDatabase
    ) async throws {
        try await db.insert(into: "security_events")
            .columns("id", "subject_id", "kind", "ip_enc", "user_agent_enc", "created_at", "updated_at")
            .values(
                SQLBind(Identifier.make()), SQLBind(subjectID), SQLBind(kind),
                SQLBind(key.sealColumn(ip, "security_events.ip_enc")),
                SQLBind(key.sealColumn(userAgent, "security_events.user_agent_enc")), SQLBind(now), SQLBind(now)
            )
            .run()
    }

    /// The newest security events of a subject.
    func securityEvents(subjectID: String, limit: Int) async throws -> [SecurityEvent] {
        guard let key = try await keyring.key(for: subjectID) else { return [] }
        let rows = try await database.sql.select().columns("*").from("security_events")
            .where("subject_id", .equal, subjectID).orderBy("created_at", .descending).limit(limit).all()
        return try rows.map { row in
            SecurityEvent(
                kind: try row.decode(column: "kind", as: String.self),
                ip: try key.openColumn(try row.decode(column: "ip_enc", as: Data.self), "security_events.ip_enc"),
                userAgent: try key.openColumn(
                    try row.decode(column: "user_agent_enc", as: Data.self), "security_events.user_agent_enc"),
                createdAt: try row.decode(column: "created_at", as: Int64.self))
        }
    }

    private func open(_ row: any SQLRow, on db: (any SQLDatabase)?) async throws -> Member? {
        let subjectID = try row.decode(column: "subject_id", as: String.self)
        guard let key = try await keyring.key(for: subjectID, on: db) else { return nil }
        let field = { (column: String) throws -> String in
            try key.openColumn(try row.decode(column: column, as: Data.self), "members.\(column)")
        }
        let pending = try row.decode(column: "pending_email_enc", as: Data?.self)
        return Member(
            id: try row.decode(column: "id", as: String.self),
            subjectID: subjectID,
            email: try field("email_enc"),
            profile: MemberProfile(
                name: try field("name_enc"), street: try field("street_enc"), postalCode: try field("postal_code_enc"),
                city: try field("city_enc"), country: try field("country_enc"), extra: try field("extra_enc")),
            passwordHash: try row.decode(column: "password_hash", as: String.self),
            emailVerifiedAt: try row.decode(column: "email_verified_at", as: Int64?.self),
            pendingEmail: try pending.map { try key.openColumn($0, "members.pending_email_enc") },
            createdAt: try row.decode(column: "created_at", as: Int64.self))
    }
}
