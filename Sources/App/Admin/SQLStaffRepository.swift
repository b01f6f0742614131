import Foundation
import SQLKit
import Storage
import Vault

/// Staff rows and invitations; personal fields sealed with the staff member's data key.
struct SQLStaffRepository: Sendable {
    let database: Database
    let keyring: Keyring

    func count() async throws -> Int {
        let row = try await database.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("staff").first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    func create(
        id: String, subjectID: String, email: String, name: String, role: StaffRole, passwordHash: String, now: Int64,
        on db: any SQLDatabase
    ) async throws {
        let key = try await keyring.create(subject: subjectID, now: now, on: db)
        try await db.insert(into: "staff")
            .columns(
                "id", "subject_id", "email_index", "email_enc", "name_enc", "password_hash", "role", "created_at",
                "updated_at"
            )
            .values(
                SQLBind(id), SQLBind(subjectID), SQLBind(keyring.emailIndex(email)),
                SQLBind(key.sealColumn(email, "staff.email_enc")), SQLBind(key.sealColumn(name, "staff.name_enc")),
                SQLBind(passwordHash), SQLBind(role.rawValue), SQLBind(now), SQLBind(now)
            )
            .run()
    }

    func find(id: String) async throws -> StaffMember? {
        guard let row = try await database.sql.select().columns("*").from("staff").where("id", .equal, id).first()
        else { return nil }
        return try await open(row)
    }

    func find(email: String) async throws -> StaffMember? {
        guard
            let row = try await database.sql.select().columns("*").from("staff")
                .where("email_index", .equal, keyring.emailIndex(email)).first()
        else { return nil }
        return try await open(row)
    }

    func all() async throws -> [StaffMember] {
        let rows = try await database.sql.select().columns("*").from("staff").orderBy("created_at").all()
        var result: [StaffMember] = []
        for row in rows {
            if let member = try await open(row) { result.append(member) }
        }
        return result
    }

    func setTOTPSecret(id: String, subjectID: String, secret: String, now: Int64) async throws {
        guard let key = try await keyring.key(for: subjectID) else { return }
        try await database.sql.update("staff").set(
            "totp_secret_enc", to: SQLBind(key.sealColumn(secret, "staff.totp_secret_enc"))
        )
        .set("updated_at", to: now).where("id", .equal, id).run()
    }

    func enableTOTP(id: String, step: Int64, now: Int64) async throws {
        try await database.sql.update("staff").set("totp_enabled_at", to: now).set("totp_last_step", to: step)
            .set("updated_at", to: now).where("id", .equal, id).run()
    }

    /// Records the last used TOTP time step so a code cannot be replayed; false when it was already used.
    func useTOTPStep(id: String, step: Int64, now: Int64) async throws -> Bool {
        let rows = try await database.sql.update("staff").set("totp_last_step", to: step).set("updated_at", to: now)
            .where("id", .equal, id)
            .where {
                $0.where("totp_last_step", .is, SQLLiteral.null).orWhere("totp_last_step", .lessThan, step)
            }
            .returning("id").all()
        return !rows.isEmpty
    }

    // MARK: Invitations

    func createInvite(
        tokenHash: String, email: String?, role: StaffRole, invitedBy: String?, expiresAt: Int64, now: Int64,
        on db: any SQLDatabase
    ) async throws {
        let key = keyring.systemKey("staff-invites")
        try await db.insert(into: "staff_invites")
            .columns("id", "email_index", "email_enc", "role", "invited_by", "expires_at", "created_at", "updated_at")
            .values(
                SQLBind(tokenHash), SQLBind(email.map { keyring.emailIndex($0) }),
                SQLBind(email.map { key.sealColumn($0, "staff_invites.email_enc") }), SQLBind(role.rawValue),
                SQLBind(invitedBy), SQLBind(expiresAt), SQLBind(now), SQLBind(now)
            )
            .run()
    }

    /// Withdraws unused owner links made at start-up (only the newest one works).
    func withdrawOpenOwnerInvites(on db: any SQLDatabase) async throws {
        try await db.delete(from: "staff_invites").where("role", .equal, StaffRole.owner.rawValue)
            .where("email_index", .is, SQLLiteral.null).where("used_at", .is, SQLLiteral.null).run()
    }

    func findInvite(tokenHash: String, now: Int64) async throws -> StaffInvite? {
        guard
            let row = try await database.sql.select().columns("*").from("staff_invites")
                .where("id", .equal, tokenHash).where("used_at", .is, SQLLiteral.null)
                .where("expires_at", .greaterThan, now).first()
        else { return nil }
        return try openInvite(row)
    }

    /// Marks an invitation used; false when someone used it first.
    func useInvite(tokenHash: String, now: Int64, on db: any SQLDatabase) async throws -> Bool {
        let rows = try await db.update("staff_invites").set("used_at", to: now).set("updated_at", to: now)
            .where("id", .equal, tokenHash).where("used_at", .is, SQLLiteral.null)
            .where("expires_at", .greaterThan, now).returning("id").all()
        return !rows.isEmpty
    }

    func openInvites(now: Int64) async throws -> [StaffInvite] {
        let rows = try await database.sql.select().columns("*").from("staff_invites")
            .where("used_at", .is, SQLLiteral.null).where("expires_at", .greaterThan, now)
            .where("email_index", .isNot, SQLLiteral.null).orderBy("created_at").all()
        return try rows.map(openInvite)
    }

    private func openInvite(_ row: any SQLRow) throws -> StaffInvite {
        let key = keyring.systemKey("staff-invites")
        let email = try row.decode(column: "email_enc", as: Data?.self)
        return StaffInvite(
            id: try row.decode(column: "id", as: String.self),
            email: try email.map { try key.openColumn($0, "staff_invites.email_enc") },
            role: StaffRole(rawValue: try row.decode(column: "role", as: String.self)) ?? .editor,
            expiresAt: try row.decode(column: "expires_at", as: Int64.self))
    }

    private func open(_ row: any SQLRow) async throws -> StaffMember? {
        let subjectID = try row.decode(column: "subject_id", as: String.self)
        guard let key = try await keyring.key(for: subjectID) else { return nil }
        let secret = try row.decode(column: "totp_secret_enc", as: Data?.self)
        return StaffMember(
            id: try row.decode(column: "id", as: String.self),
            subjectID: subjectID,
            email: try key.openColumn(try row.decode(column: "email_enc", as: Data.self), "staff.email_enc"),
            name: try key.openColumn(try row.decode(column: "name_enc", as: Data.self), "staff.name_enc"),
            role: StaffRole(rawValue: try row.decode(column: "role", as: String.self)) ?? .editor,
            passwordHash: try row.decode(column: "password_hash", as: String.self),
            totpSecret: try secret.map { try key.openColumn($0, "staff.totp_secret_enc") },
            totpEnabled: try row.decode(column: "totp_enabled_at", as: Int64?.self) != nil,
            totpLastStep: try row.decode(column: "totp_last_step", as: Int64?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self))
    }
}
