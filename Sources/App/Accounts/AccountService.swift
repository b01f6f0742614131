import Foundation
import Logging
import Policy
import SQLKit
import Storage
import Vault

/// Member accounts: registration, verification, sign-in, correction, credentials and erasure.
///
/// Every change that belongs together (the row, its audit entry, its mail) commits in one transaction.
struct AccountService: Sendable {
    static let sessionLifetime: Int64 = 12 * 3600 * 1000
    static let rememberLifetime: Int64 = 30 * 24 * 3600 * 1000
    static let verifyLifetime: Int64 = 24 * 3600 * 1000
    static let resetLifetime: Int64 = 3600 * 1000

    let database: Database
    let members: SQLMemberRepository
    let sessions: SQLSessionRepository
    let tokens: SQLAccountTokenRepository
    let keyring: Keyring
    let hasher: PasswordHasher
    let validator: AccountValidator
    let audit: AuditLog
    let outbox: Outbox
    let clock: any WallClock
    let limits: AccountRateLimits
    let links: SiteLinks
    let consent: ConsentService
    /// Mailing lists follow the mailing consents given at registration.
    let subscriptions: SubscriptionService

    // MARK: Registration

    /// What a new member typed.
    struct Registration {
        var email: String
        var profile: MemberProfile
        var password: String
        /// Consent purposes and recipients the person ticked.
        var consents: [String] = []
    }

    /// A consent the registration form offers: every consent-based purpose and recipient of the live policy.
    struct ConsentChoice: Sendable {
        let id: String
        let label: String
        let description: String
    }

    /// The consent checkboxes of the registration form, from the live policy.
    var consentChoices: [ConsentChoice] {
        let policy = consent.state.current.policy
        return policy.consentPurposes.map {
            .init(id: $0.id, label: $0.consentLabel ?? $0.name, description: $0.description)
        }
            + policy.consentRecipients.map {
                .init(id: $0.id, label: $0.consentLabel ?? "Share my details with \($0.name)", description: $0.purpose)
            }
    }

    /// Creates an account, sends the verification mail and signs the member in.
    /// - Returns: The new session's cookie token.
    /// - Throws: ``AccountError/invalid(_:)`` with every field's problem, ``AccountError/rateLimited(retryAfter:)``.
    func register(_ input: Registration, request: RequestInfo) async throws -> (memberID: String, sessionToken: String)
    {
        var problems = validator.problems(with: input.profile)
        if let problem = validator.problem(withEmail: input.email) { problems["email"] = problem }
        if let problem = validator.problem(withPassword: input.password) { problems["password"] = problem }
        guard problems.isEmpty else { throw AccountError.invalid(problems) }
        try await limited(limits.registration, ["ip:" + request.ip])
        if try await members.emailInUse(input.email) {
            throw AccountError.invalid([
                "email": "An account with this e-mail address exists. Log in or reset the password."
            ])
        }
        let hash = try await hashing { try await hasher.hash(input.password) }
        let now = clock.milliseconds
        let memberID = Identifier.make()
        let subjectID = Identifier.make()
        let members = members
        let tokens = tokens
        let audit = audit
        let outbox = outbox
        let links = links
        try await database.transaction { db in
            let key = try await members.create(
                id: memberID, subjectID: subjectID, email: input.email, profile: input.profile, passwordHash: hash,
                now: now, on: db)
            try await Self.sendVerification(
                memberID: memberID, email: input.email, name: input.profile.name, subject: (subjectID, key), now: now,
                tokens: tokens, outbox: outbox, links: links, on: db)
            try await members.logSecurityEvent(
                subjectID: subjectID, key: key, kind: "register", ip: request.ip, userAgent: request.userAgent,
                now: now, on: db)
            try await audit.record(
                "account.register", actor: .member(memberID), subject: subjectID, requestID: request.requestID, on: db)
            try await consent.record(
                input.consents.map { (id: $0, granted: true) }, subjectID: subjectID, method: .registration,
                requestID: request.requestID, actor: .member(memberID), on: db)
            for purpose in input.consents {
                try await subscriptions.followConsent(
                    memberID: memberID, subjectID: subjectID, purpose: purpose, granted: true, request: request, on: db)
            }
        }
        let session = try await sessions.create(
            kind: "member", principalID: memberID, lifetime: Self.sessionLifetime, now: now)
        return (memberID, session)
    }

    /// Confirms an e-mail address from the link, or a new address after a change.
    /// - Returns: Whether the link was good.
    func verify(token: String, request: RequestInfo) async throws -> Bool {
        let now = clock.milliseconds
        let members = members
        let tokens = tokens
        let audit = audit
        let outbox = outbox
        return try await database.transaction { db in
            if let memberID = try await tokens.consume(token, purpose: .verify, now: now, on: db) {
                guard let member = try await members.find(id: memberID, on: db) else { return false }
                try await members.markVerified(id: memberID, now: now, on: db)
                try await audit.record(
                    "account.verify", actor: .member(memberID), subject: member.subjectID,
                    requestID: request.requestID, on: db)
                return true
            }
            if let memberID = try await tokens.consume(token, purpose: .emailChange, now: now, on: db) {
                guard let member = try await members.find(id: memberID, on: db), let newEmail = member.pendingEmail,
                    let key = try await keyring.key(for: member.subjectID, on: db)
                else { return false }
                try await members.confirmPendingEmail(
                    id: memberID, subjectID: member.subjectID, email: newEmail, now: now, on: db)
                try await members.logSecurityEvent(
                    subjectID: member.subjectID, key: key, kind: "email_change", ip: request.ip,
                    userAgent: request.userAgent, now: now, on: db)
                try await outbox.enqueue(
                    OutgoingMail(
                        to: member.email, name: member.profile.name, subject: "Your e-mail address was changed",
                        template: "email-changed",
                        model: ["newEmailMasked": Self.mask(newEmail), "when": Self.format(now)],
                        kind: "account.email_changed"),
                    sealedFor: (member.subjectID, key), on: db)
                try await audit.record(
                    "account.email_change", actor: .member(memberID), subject: member.subjectID,
                    requestID: request.requestID, on: db)
                return true
            }
            return false
        }
    }

    /// Sends a new verification link to an unverified member.
    func resendVerification(memberID: String, request: RequestInfo) async throws {
        try await limited(limits.resend, ["ip:" + request.ip, "member:" + memberID])
        guard let member = try await members.find(id: memberID), !member.isVerified else { return }
        let now = clock.milliseconds
        let tokens = tokens
        let outbox = outbox
        let links = links
        let audit = audit
        guard let key = try await keyring.key(for: member.subjectID) else { throw AccountError.notFound }
        try await database.transaction { db in
            try await Self.sendVerification(
                memberID: memberID, email: member.email, name: member.profile.name, subject: (member.subjectID, key),
                now: now, tokens: tokens, outbox: outbox, links: links, on: db)
            try await audit.record(
                "account.verify_resend", actor: .member(memberID), subject: member.subjectID,
                requestID: request.requestID, on: db)
        }
    }

    /// Issues a verification link (replacing earlier ones) and queues its e-mail, inside the caller's transaction.
    private static func sendVerification(
        memberID: String, email: String, name: String, subject: (id: String, key: DataKey), now: Int64,
        tokens: SQLAccountTokenRepository, outbox: Outbox, links: SiteLinks, on db: any SQLDatabase
    ) async throws {
        let token = try await tokens.issue(
            memberID: memberID, purpose: .verify, lifetime: verifyLifetime, now: now, on: db)
        try await outbox.enqueue(
            OutgoingMail(
                to: email, name: name, subject: "Confirm your e-mail address", template: "verify",
                model: ["link": links.url(.verify(token: token)), "expiresIn": "24 hours"], kind: "account.verify"),
            sealedFor: subject, on: db)
    }

    // MARK: Sign-in

    /// Signs a member in. The caller ends any previous session (rotation).
    /// - Returns: The member id, the new session token, and a remember-me token when asked for.
    /// - Throws: ``AccountError/wrongCredentials`` (same answer whether the address exists or not).
    func login(email: String, password: String, remember: Bool, request: RequestInfo) async throws -> (
        memberID: String, sessionToken: String, rememberToken: String?
    ) {
        let accountKey = "account:" + keyring.emailIndex(email)
        try await limited(limits.login, ["ip:" + request.ip, accountKey])
        // Refuse before spending a database look-up and a decryption on a request that cannot be served.
        try await hashing { try await hasher.checkCapacity() }
        let member = try await members.find(email: email)
        let matches = try await hashing { try await hasher.verify(password, against: member?.passwordHash) }
        let now = clock.milliseconds
        guard let member, matches else {
            if let member, let key = try await keyring.key(for: member.subjectID) {
                let members = members
                let audit = audit
                try await database.transaction { db in
                    try await members.logSecurityEvent(
                        subjectID: member.subjectID, key: key, kind: "login_failed", ip: request.ip,
                        userAgent: request.userAgent, now: now, on: db)
                    try await audit.record(
                        "auth.login_failed", actor: .anonymous, subject: member.subjectID, requestID: request.requestID,
                        on: db)
                }
            }
            throw AccountError.wrongCredentials
        }
        await limits.login.reset(accountKey)
        let session = try await sessions.create(
            kind: "member", principalID: member.id, lifetime: Self.sessionLifetime, now: now)
        let rememberToken =
            remember
            ? try await sessions.createRememberToken(memberID: member.id, lifetime: Self.rememberLifetime, now: now)
            : nil
        try await recordSignIn(member: member, kind: "login", request: request)
        return (member.id, session, rememberToken)
    }

    /// Signs a returning member in from a remember-me cookie, rotating the token.
    /// - Returns: A new session token and a new remember token, or nil when the cookie is not valid.
    func resume(rememberToken: String, request: RequestInfo) async throws -> (
        memberID: String, sessionToken: String, rememberToken: String
    )? {
        let now = clock.milliseconds
        guard let memberID = try await sessions.consumeRememberToken(rememberToken, now: now),
            let member = try await members.find(id: memberID)
        else { return nil }
        let session = try await sessions.create(
            kind: "member", principalID: memberID, lifetime: Self.sessionLifetime, now: now)
        let next = try await sessions.createRememberToken(memberID: memberID, lifetime: Self.rememberLifetime, now: now)
        try await recordSignIn(member: member, kind: "login_remembered", request: request)
        return (memberID, session, next)
    }

    /// Ends a session and revokes the remember-me token presented with it.
    func logout(sessionID: String?, rememberToken: String?, memberID: String?, request: RequestInfo) async throws {
        if let sessionID { try await sessions.delete(id: sessionID) }
        if let rememberToken { try await sessions.revokeRememberToken(rememberToken) }
        if let memberID, let member = try await members.find(id: memberID) {
            try await audit.record(
                "auth.logout", actor: .member(memberID), subject: member.subjectID, requestID: request.requestID)
        }
    }

    private func recordSignIn(member: Member, kind: String, request: RequestInfo) async throws {
        guard let key = try await keyring.key(for: member.subjectID) else { return }
        let now = clock.milliseconds
        let members = members
        let audit = audit
        try await database.transaction { db in
            try await members.logSecurityEvent(
                subjectID: member.subjectID, key: key, kind: kind, ip: request.ip, userAgent: request.userAgent,
                now: now, on: db)
            try await members.markActive(id: member.id, now: now, on: db)
            try await audit.record(
                "auth.\(kind)", actor: .member(member.id), subject: member.subjectID, requestID: request.requestID,
                on: db)
        }
    }

    // MARK: Profile and credentials

    /// Saves corrected details (rectification).
    func updateProfile(memberID: String, profile: MemberProfile, request: RequestInfo) async throws {
        let problems = validator.problems(with: profile)
        guard problems.isEmpty else { throw AccountError.invalid(problems) }
        guard let member = try await members.find(id: memberID) else { throw AccountError.notFound }
        let changed = Self.changedFields(member.profile, profile)
        guard !changed.isEmpty else { return }
        let now = clock.milliseconds
        let members = members
        let audit = audit
        try await database.transaction { db in
            try await members.update(id: memberID, subjectID: member.subjectID, profile: profile, now: now, on: db)
            try await audit.record(
                "account.rectify", actor: .member(memberID), subject: member.subjectID, requestID: request.requestID,
                details: ["fields": changed.joined(separator: ",")], on: db)
        }
    }

    /// Changes the password and ends every other session and remember-me token.
    func changePassword(
        memberID: String, currentSessionID: String, current: String, new: String, request: RequestInfo
    ) async throws {
        guard let member = try await members.find(id: memberID) else { throw AccountError.notFound }
        try await limited(limits.login, ["ip:" + request.ip, "member:" + memberID])
        guard try await hashing({ try await hasher.verify(current, against: member.passwordHash) }) else {
            throw AccountError.invalid(["currentPassword": "This is not your current password."])
        }
        if let problem = validator.problem(withPassword: new) { throw AccountError.invalid(["newPassword": problem]) }
        let hash = try await hashing { try await hasher.hash(new) }
        guard let key = try await keyring.key(for: member.subjectID) else { throw AccountError.notFound }
        let now = clock.milliseconds
        let members = members
        let sessions = sessions
        let audit = audit
        let outbox = outbox
        try await database.transaction { db in
            try await members.setPassword(id: memberID, hash: hash, now: now, on: db)
            try await sessions.deleteAll(principalID: memberID, except: currentSessionID, on: db)
            try await sessions.revokeRememberTokens(memberID: memberID, on: db)
            try await members.logSecurityEvent(
                subjectID: member.subjectID, key: key, kind: "password_change", ip: request.ip,
                userAgent: request.userAgent, now: now, on: db)
            try await outbox.enqueue(
                OutgoingMail(
                    to: member.email, name: member.profile.name, subject: "Your password was changed",
                    template: "password-changed", model: ["when": Self.format(now)], kind: "account.password_changed"),
                sealedFor: (member.subjectID, key), on: db)
            try await audit.record(
                "account.password_change", actor: .member(memberID), subject: member.subjectID,
                requestID: request.requestID, on: db)
        }
    }

    /// Starts an e-mail change: the new address gets a confirmation link; nothing changes until it is opened.
    func requestEmailChange(memberID: String, newEmail: String, password: String, request: RequestInfo) async throws {
        if let problem = validator.problem(withEmail: newEmail) { throw AccountError.invalid(["newEmail": problem]) }
        guard let member = try await members.find(id: memberID) else { throw AccountError.notFound }
        try await limited(limits.login, ["ip:" + request.ip, "member:" + memberID])
        guard try await hashing({ try await hasher.verify(password, against: member.passwordHash) }) else {
            throw AccountError.invalid(["password": "This is not your current password."])
        }
        if EmailNormalizer.normalize(newEmail) == EmailNormalizer.normalize(member.email) {
            throw AccountError.invalid(["newEmail": "This is already your e-mail address."])
        }
        if try await members.emailInUse(newEmail) {
            throw AccountError.invalid(["newEmail": "Another account uses this e-mail address."])
        }
        guard let key = try await keyring.key(for: member.subjectID) else { throw AccountError.notFound }
        let now = clock.milliseconds
        let members = members
        let tokens = tokens
        let audit = audit
        let outbox = outbox
        let links = links
        try await database.transaction { db in
            try await members.setPendingEmail(
                id: memberID, subjectID: member.subjectID, email: newEmail, now: now, on: db)
            let token = try await tokens.issue(
                memberID: memberID, purpose: .emailChange, lifetime: Self.verifyLifetime, now: now, on: db)
            try await outbox.enqueue(
                OutgoingMail(
                    to: newEmail, name: member.profile.name, subject: "Confirm your new e-mail address",
                    template: "email-change",
                    model: ["link": links.url(.verify(token: token)), "expiresIn": "24 hours"],
                    kind: "account.email_change"),
                sealedFor: (member.subjectID, key), on: db)
            try await audit.record(
                "account.email_change_requested", actor: .member(memberID), subject: member.subjectID,
                requestID: request.requestID, on: db)
        }
    }

    /// Sends a reset link when the address belongs to a member; answers the same, in similar time, when not.
    func requestReset(email: String, request: RequestInfo) async throws {
        try await limited(limits.reset, ["ip:" + request.ip, "account:" + keyring.emailIndex(email)])
        guard validator.problem(withEmail: email) == nil, let member = try await members.find(email: email),
            let key = try await keyring.key(for: member.subjectID)
        else {
            // Unknown address: spend about what the known path spends (a token write and a mail render).
            try await Task.sleep(for: .milliseconds(Int.random(in: 15...40)))
            return
        }
        let now = clock.milliseconds
        let tokens = tokens
        let audit = audit
        let outbox = outbox
        let links = links
        try await database.transaction { db in
            let token = try await tokens.issue(
                memberID: member.id, purpose: .reset, lifetime: Self.resetLifetime, now: now, on: db)
            try await outbox.enqueue(
                OutgoingMail(
                    to: member.email, name: member.profile.name, subject: "Reset your password", template: "reset",
                    model: ["link": links.url(.resetConfirm(token: token)), "expiresIn": "1 hour"],
                    kind: "account.reset"),
                sealedFor: (member.subjectID, key), on: db)
            try await audit.record(
                "account.reset_requested", actor: .anonymous, subject: member.subjectID,
                requestID: request.requestID, on: db)
        }
    }

    /// Whether a reset link is still good (to show its form).
    func isResetTokenValid(_ token: String) async throws -> Bool {
        try await tokens.isValid(token, purpose: .reset, now: clock.milliseconds)
    }

    /// Sets a new password from a reset link and ends every session.
    func reset(token: String, newPassword: String, request: RequestInfo) async throws {
        if let problem = validator.problem(withPassword: newPassword) {
            throw AccountError.invalid(["newPassword": problem])
        }
        let hash = try await hashing { try await hasher.hash(newPassword) }
        let now = clock.milliseconds
        let members = members
        let tokens = tokens
        let sessions = sessions
        let audit = audit
        let keyring = keyring
        try await database.transaction { db in
            guard let memberID = try await tokens.consume(token, purpose: .reset, now: now, on: db),
                let member = try await members.find(id: memberID, on: db),
                let key = try await keyring.key(for: member.subjectID, on: db)
            else { throw AccountError.invalidLink }
            try await members.setPassword(id: memberID, hash: hash, now: now, on: db)
            try await sessions.deleteAll(principalID: memberID, except: nil, on: db)
            try await sessions.revokeRememberTokens(memberID: memberID, on: db)
            try await members.logSecurityEvent(
                subjectID: member.subjectID, key: key, kind: "password_reset", ip: request.ip,
                userAgent: request.userAgent, now: now, on: db)
            try await audit.record(
                "account.password_reset", actor: .anonymous, subject: member.subjectID, requestID: request.requestID,
                on: db)
        }
    }

    // MARK: Erasure

    /// Erases the account: the data key is destroyed first, then the rows; the audit log keeps the pseudonymous id.
    func delete(memberID: String, password: String, request: RequestInfo) async throws {
        guard let member = try await members.find(id: memberID) else { throw AccountError.notFound }
        try await limited(limits.login, ["ip:" + request.ip, "member:" + memberID])
        guard try await hashing({ try await hasher.verify(password, against: member.passwordHash) }) else {
            throw AccountError.invalid(["password": "This is not your password."])
        }
        try await erase(member: member, actor: .member(memberID), requestID: request.requestID)
    }

    /// Erases a member: their data key is destroyed first (in its own committed step, so that even if removing the
    /// rows failed afterwards nothing of the person would be readable any more), then their rows in every store.
    func erase(member: Member, actor: AuditLog.Actor, requestID: String?) async throws {
        let keyring = keyring
        let members = members
        let audit = audit
        try await database.transaction { db in
            try await keyring.destroy(subject: member.subjectID, on: db)
            try await audit.record(
                "privacy.crypto_shred", actor: actor, subject: member.subjectID, requestID: requestID, on: db)
        }
        try await database.transaction { db in
            try await members.delete(id: member.id, subjectID: member.subjectID, on: db)
            try await audit.record(
                "account.delete", actor: actor, subject: member.subjectID, requestID: requestID, on: db)
        }
    }

    // MARK: Reading

    /// The member, opened.
    func member(id: String) async throws -> Member? {
        try await members.find(id: id)
    }

    /// The member's recent security events.
    func recentSignIns(subjectID: String) async throws -> [SecurityEvent] {
        try await members.securityEvents(subjectID: subjectID, limit: 10)
    }

    // MARK: Helpers

    private func limited(_ limiter: RateLimiter, _ keys: [String]) async throws {
        do {
            try await limiter.hit(keys)
        } catch let limited as RateLimiter.Limited {
            throw AccountError.rateLimited(retryAfter: limited.retryAfter)
        }
    }

    private func hashing<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch is PasswordHasher.Overloaded {
            throw AccountError.busy
        }
    }

    static func changedFields(_ old: MemberProfile, _ new: MemberProfile) -> [String] {
        var fields: [String] = []
        if old.name != new.name { fields.append("name") }
        if old.street != new.street { fields.append("street") }
        if old.postalCode != new.postalCode { fields.append("postal_code") }
        if old.city != new.city { fields.append("city") }
        if old.country != new.country { fields.append("country") }
        if old.extra != new.extra { fields.append("extra") }
        return fields
    }

    /// "j***@example.org".
    static func mask(_ email: String) -> String {
        let parts = email.split(separator: "@", maxSplits: 1)
        guard parts.count == 2, let first = parts[0].first else { return "***" }
        return "\(first)***@\(parts[1])"
    }

    /// A UTC timestamp for e-mails and pages.
    static func format(_ milliseconds: Int64) -> String {
        timestampFormatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    // Formatting with a shared DateFormatter is thread-safe; creating one per call is what is slow.
    private static let timestampFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "d MMM yyyy, HH:mm 'UTC'"
        return formatter
    }()
}

/// The rate limiters of the account endpoints.
struct AccountRateLimits: Sendable {
    let login: RateLimiter
    let registration: RateLimiter
    let reset: RateLimiter
    let resend: RateLimiter

    init(clock: any WallClock, loginLimit: Int = 10) {
        login = RateLimiter(limit: loginLimit, window: 15 * 60, clock: clock)
        registration = RateLimiter(limit: 10, window: 3600, clock: clock)
        reset = RateLimiter(limit: 5, window: 3600, clock: clock)
        resend = RateLimiter(limit: 5, window: 3600, clock: clock)
    }
}
