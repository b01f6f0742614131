import Foundation
import HummingbirdOTP
import SQLKit
import Storage
import Vault

/// Staff accounts: invitations, sign-in with a TOTP second factor, and the staff list.
struct StaffService: Sendable {
    static let inviteLifetime: Int64 = 7 * 24 * 3600 * 1000
    static let sessionLifetime: Int64 = 8 * 3600 * 1000

    let database: Database
    let repository: SQLStaffRepository
    let sessions: SQLSessionRepository
    let keyring: Keyring
    let hasher: PasswordHasher
    let validator: AccountValidator
    let audit: AuditLog
    let outbox: Outbox
    let clock: any WallClock
    let limits: AccountRateLimits
    let links: SiteLinks

    func count() async throws -> Int { try await repository.count() }

    /// Creates an invitation and returns its token. Without an e-mail it is the first owner's link (printed by
    /// `serve`), which replaces any earlier such link. With one, an invitation mail is sent.
    func createInvite(email: String?, role: StaffRole, invitedBy: StaffMember?, requestID: String?) async throws
        -> String
    {
        if let email, let problem = validator.problem(withEmail: email) { throw StaffError.invalid(["email": problem]) }
        let token = Token.generate()
        let now = clock.milliseconds
        let repository = repository
        let audit = audit
        let outbox = outbox
        let links = links
        try await database.transaction { db in
            if email == nil { try await repository.withdrawOpenOwnerInvites(on: db) }
            try await repository.createInvite(
                tokenHash: Token.hash(token), email: email, role: role, invitedBy: invitedBy?.id,
                expiresAt: now + (email == nil ? 24 * 3600 * 1000 : Self.inviteLifetime), now: now, on: db)
            if let email {
                try await outbox.enqueue(
                    OutgoingMail(
                        to: email, name: nil, subject: "You are invited to the staff console", template: "staff-invite",
                        model: [
                            "link": links.url(.adminSetup(token: token)), "role": role.label,
                            "inviterName": invitedBy?.name ?? "The site owner", "expiresIn": "7 days",
                        ], kind: "staff.invite"),
                    sealedFor: nil, on: db)
            }
            try await audit.record(
                "staff.invite", actor: invitedBy.map { .staff($0.id) } ?? .system, subject: nil, requestID: requestID,
                details: ["role": role.rawValue], on: db)
        }
        return token
    }

    func invite(token: String) async throws -> StaffInvite? {
        try await repository.findInvite(tokenHash: Token.hash(token), now: clock.milliseconds)
    }

    /// Creates the staff account from an invitation.
    func accept(token: String, name: String, email: String, password: String, requestID: String) async throws
        -> String
    {
        guard let invite = try await invite(token: token) else { throw StaffError.invalidInvite }
        let email = invite.email ?? email
        var problems: [String: String] = [:]
        if name.isEmpty { problems["name"] = "Enter your full name." }
        if name.count > 200 { problems["name"] = "Use at most 200 characters." }
        if let problem = validator.problem(withEmail: email) { problems["email"] = problem }
        if let problem = validator.problem(withPassword: password) { problems["password"] = problem }
        if problems.isEmpty, try await repository.find(email: email) != nil {
            problems["email"] = "A staff account with this e-mail address exists."
        }
        guard problems.isEmpty else { throw StaffError.invalid(problems) }
        let hash = try await hasher.hash(password)
        let now = clock.milliseconds
        let id = Identifier.make()
        let subjectID = Identifier.make()
        let repository = repository
        let audit = audit
        try await database.transaction { db in
            guard try await repository.useInvite(tokenHash: Token.hash(token), now: now, on: db) else {
                throw StaffError.invalidInvite
            }
            try await repository.create(
                id: id, subjectID: subjectID, email: email, name: name, role: invite.role, passwordHash: hash,
                now: now, on: db)
            try await audit.record(
                "staff.create", actor: .staff(id), subject: subjectID, requestID: requestID,
                details: ["role": invite.role.rawValue], on: db)
        }
        return try await sessions.create(kind: "staff", principalID: id, lifetime: Self.sessionLifetime, now: now)
    }

    /// Checks e-mail and password; the session still needs the second factor.
    func login(email: String, password: String, ip: String, requestID: String) async throws -> String {
        let accountKey = "staff:" + keyring.emailIndex(email)
        do {
            try await limits.login.hit(["ip:" + ip, accountKey])
        } catch let limited as RateLimiter.Limited {
            throw AccountError.rateLimited(retryAfter: limited.retryAfter)
        }
        do {
            try await hasher.checkCapacity()
        } catch is PasswordHasher.Overloaded {
            throw AccountError.busy
        }
        let staff = try await repository.find(email: email)
        let matches: Bool
        do {
            matches = try await hasher.verify(password, against: staff?.passwordHash)
        } catch is PasswordHasher.Overloaded {
            throw AccountError.busy
        }
        guard let staff, matches else {
            if let staff {
                try await audit.record(
                    "staff.login_failed", actor: .anonymous, subject: staff.subjectID, requestID: requestID)
            }
            throw StaffError.wrongCredentials
        }
        await limits.login.reset(accountKey)
        try await audit.record(
            "staff.login_password", actor: .staff(staff.id), subject: staff.subjectID, requestID: requestID)
        return try await sessions.create(
            kind: "staff", principalID: staff.id, lifetime: Self.sessionLifetime, now: clock.milliseconds)
    }

    func member(id: String) async throws -> StaffMember? { try await repository.find(id: id) }

    func all() async throws -> [StaffMember] { try await repository.all() }

    func openInvites() async throws -> [StaffInvite] { try await repository.openInvites(now: clock.milliseconds) }

    /// The TOTP secret for setup, created on first call.
    func totpSecret(for staff: StaffMember) async throws -> String {
        if let secret = staff.totpSecret { return secret }
        // 20 random characters from a base32-safe alphabet: HummingbirdOTP keys the HMAC with their bytes.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var generator = SystemRandomNumberGenerator()
        let secret = String((0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
        try await repository.setTOTPSecret(
            id: staff.id, subjectID: staff.subjectID, secret: secret, now: clock.milliseconds)
        return secret
    }

    /// Checks a TOTP code (this step or the one before or after, for clock drift); each step works once.
    /// - Returns: The step the code matched.
    func checkCode(_ code: String, staff: StaffMember) throws -> Int64 {
        guard let secret = staff.totpSecret, let value = Int(code.filter { !$0.isWhitespace }) else {
            throw StaffError.wrongCode
        }
        let totp = TOTP(secret: secret)
        let now = clock.now()
        for offset in [0, -1, 1] {
            let date = now.addingTimeInterval(Double(offset * 30))
            if totp.compute(date: date) == value {
                return Int64(date.timeIntervalSince1970 / 30)
            }
        }
        throw StaffError.wrongCode
    }

    /// Turns on two-factor sign-in after a first good code, and marks the session as having passed it.
    func enableTOTP(staff: StaffMember, code: String, sessionID: String, requestID: String) async throws {
        let step = try checkCode(code, staff: staff)
        let now = clock.milliseconds
        try await repository.enableTOTP(id: staff.id, step: step, now: now)
        try await sessions.markSecondFactor(id: sessionID, now: now)
        try await audit.record(
            "staff.totp_enabled", actor: .staff(staff.id), subject: staff.subjectID, requestID: requestID)
    }

    /// Passes the second factor for this session.
    func verifyTOTP(staff: StaffMember, code: String, sessionID: String, requestID: String) async throws {
        let step: Int64
        do {
            step = try checkCode(code, staff: staff)
        } catch {
            try await audit.record(
                "staff.totp_failed", actor: .staff(staff.id), subject: staff.subjectID, requestID: requestID)
            throw error
        }
        guard try await repository.useTOTPStep(id: staff.id, step: step, now: clock.milliseconds) else {
            throw StaffError.wrongCode
        }
        try await sessions.markSecondFactor(id: sessionID, now: clock.milliseconds)
        try await audit.record("staff.login", actor: .staff(staff.id), subject: staff.subjectID, requestID: requestID)
    }

    func logout(sessionID: String) async throws {
        try await sessions.delete(id: sessionID)
    }
}
