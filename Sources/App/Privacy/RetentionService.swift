import Foundation
import Logging
import Policy
import SQLKit
import ServiceLifecycle
import Storage

/// What one retention task removed (or, in a dry run, would remove).
struct RetentionCount: Sendable, Equatable {
    /// A stable id: "security_log", "raw_analytics", …
    let task: String
    /// The policy category it applies ("" for housekeeping of non-personal or expired records).
    let category: String
    /// What is removed, in plain words.
    let description: String
    let count: Int
}

/// One line of the retention plan: what goes on which day.
struct RetentionPlanLine: Sendable, Equatable {
    let day: Int64
    let task: String
    let category: String
    let description: String
    let count: Int
}

/// Applies the policy's retention rules to every store, in bounded batches; safe to repeat, and after a crash the
/// next run finishes the work (each batch commits on its own).
///
/// - IP addresses (`days_after_collection`): security-log lines older than the declared days.
/// - Raw analytics events: older than `analytics.rawEventRetentionDays` (the roll-ups stay: nothing personal).
/// - Subscribers: when their last subscription ended (an unsubscribe removes the subscription at once), their
///   address and name go — the data key first; the suppression list keeps only a keyed hash.
/// - Unconfirmed subscriptions and expired links, sessions and invitations.
/// - Accounts no longer in use: after `inactiveAccountDays` without a sign-in the member is warned by e-mail; 30 days
///   later, still without a sign-in, the account is erased (key first). 0 turns this off.
/// - Consent records whose person is gone, kept as evidence for the declared days after the account closed.
/// - Sent messages older than the contact category's declared days, and those of people who are gone.
/// - Opens and clicks of campaign e-mails older than the days declared for the policy's mail-tracking category.
struct RetentionService: Sendable {
    static let dayMS: Int64 = 86_400_000
    /// Days between the inactivity warning and the deletion.
    static let warningDays: Int64 = 30
    /// Days an unconfirmed subscription waits for its confirmation.
    static let pendingSubscriptionDays: Int64 = 30

    let database: Database
    let keyring: Keyring
    let accounts: AccountService
    let outbox: Outbox
    let audit: AuditLog
    let state: PolicyState
    let links: SiteLinks
    let clock: any WallClock
    /// Days without a sign-in after which a member is warned (0: never).
    let inactiveAccountDays: Int
    /// Rows per DELETE.
    var batchSize = 2000

    /// Runs every rule. With `dryRun`, counts what would go and changes nothing.
    func run(dryRun: Bool, progress: (RetentionCount) -> Void = { _ in }) async throws -> [RetentionCount] {
        let now = clock.milliseconds
        let policy = state.current.policy
        var counts: [RetentionCount] = []
        func done(_ count: RetentionCount) {
            counts.append(count)
            progress(count)
        }

        for task in tableTasks(policy: policy, now: now) {
            let count = dryRun ? try await self.count(task) : try await delete(task)
            done(.init(task: task.id, category: task.category, description: task.description, count: count))
        }
        done(try await subscribers(dryRun: dryRun))
        let (warned, erased) = try await inactiveAccounts(dryRun: dryRun, now: now)
        done(warned)
        done(erased)

        if !dryRun {
            var details: [String: String] = [:]
            for count in counts { details[count.task] = String(count.count) }
            try await audit.record("retention.run", actor: .system, subject: nil, requestID: nil, details: details)
        }
        return counts
    }

    // MARK: Plain table rules

    /// A rule that deletes the rows of one table matching a condition.
    struct TableTask: Sendable {
        let id: String
        let category: String
        let description: String
        let table: String
        /// The primary key (an expression for tables keyed by several columns).
        let key: SQLQueryString
        /// The WHERE condition (with binds).
        let condition: SQLQueryString
        /// For the plan: the day each row becomes due, as an SQL expression.
        let dueDay: SQLQueryString?
    }

    func tableTasks(policy: PrivacyPolicy, now: Int64) -> [TableTask] {
        var tasks: [TableTask] = []
        if case .daysAfterCollection(let days) = policy.retention(for: "ip_address")?.rule {
            let cutoff = now - Int64(days) * Self.dayMS
            let ms = Int64(days) * Self.dayMS
            tasks.append(
                .init(
                    id: "security_log", category: "ip_address",
                    description: "security-log lines (IP address, browser) older than \(days) days",
                    table: "security_events", key: "id", condition: "created_at < \(bind: cutoff)",
                    dueDay: "(created_at + \(bind: ms)) / \(bind: Self.dayMS)"))
        }
        let analyticsDays = Int64(policy.analytics.rawEventRetentionDays)
        tasks.append(
            .init(
                id: "raw_analytics", category: "",
                description: "raw analytics events older than \(analyticsDays) days (nothing personal)",
                table: "analytics_events", key: "id",
                condition: "occurred_at < \(bind: now - analyticsDays * Self.dayMS)",
                dueDay: "day + \(bind: analyticsDays)"))
        if let tracking = policy.mailTracking, let days = Self.maxDays(policy, tracking.category) {
            let cutoff = now - Int64(days) * Self.dayMS
            let ms = Int64(days) * Self.dayMS
            for (table, what) in [("mail_opens", "opens"), ("mail_clicks", "clicks")] {
                tasks.append(
                    .init(
                        id: table, category: tracking.category,
                        description: "\(what) of campaign e-mails recorded more than \(days) days ago",
                        table: table, key: "id", condition: "created_at < \(bind: cutoff)",
                        dueDay: "(created_at + \(bind: ms)) / \(bind: Self.dayMS)"))
            }
        }
        let contactDays = Self.maxDays(policy, "contact")
        let consentDays = Self.maxDays(policy, "consent_records")
        if let consentDays {
            tasks.append(
                .init(
                    id: "consent_records", category: "consent_records",
                    description: "consent records of people who are gone, \(consentDays) days after the last one",
                    table: "consent_records", key: "id",
                    condition: """
                        created_at < \(bind: now - Int64(consentDays) * Self.dayMS)
                        AND subject_id NOT IN (SELECT subject_id FROM members)
                        AND subject_id NOT IN (SELECT subject_id FROM subscribers)
                        """,
                    dueDay: nil))
        }
        if let contactDays {
            tasks.append(
                .init(
                    id: "messages", category: "contact",
                    description: "copies of sent e-mails older than \(contactDays) days",
                    table: "outbox", key: "id",
                    condition:
                        "status IN ('sent', 'failed') AND created_at < \(bind: now - Int64(contactDays) * Self.dayMS)",
                    dueDay: "(created_at + \(bind: Int64(contactDays) * Self.dayMS)) / \(bind: Self.dayMS)"))
        }
        tasks += [
            .init(
                id: "orphan_messages", category: "contact",
                description: "copies of e-mails to people who are gone (unreadable: their key is destroyed)",
                table: "outbox", key: "id",
                condition: "subject_id IS NOT NULL AND subject_id NOT IN (SELECT subject_id FROM data_keys)",
                dueDay: nil),
            .init(
                id: "pending_subscriptions", category: "contact",
                description: "subscriptions never confirmed within \(Self.pendingSubscriptionDays) days",
                table: "subscriptions", key: "list_id || '|' || subscriber_id",
                condition:
                    "status = 'pending' AND created_at < \(bind: now - Self.pendingSubscriptionDays * Self.dayMS)",
                dueDay: "(created_at + \(bind: Self.pendingSubscriptionDays * Self.dayMS)) / \(bind: Self.dayMS)"),
            .init(
                id: "expired_links", category: "", description: "expired account links (verification, reset)",
                table: "account_tokens", key: "id", condition: "expires_at < \(bind: now)",
                dueDay: "expires_at / \(bind: Self.dayMS)"),
            .init(
                id: "expired_confirmations", category: "", description: "expired subscription confirmation links",
                table: "subscription_confirmations", key: "token_hash", condition: "expires_at < \(bind: now)",
                dueDay: "expires_at / \(bind: Self.dayMS)"),
            .init(
                id: "expired_sessions", category: "", description: "expired sessions", table: "sessions", key: "id",
                condition: "expires_at < \(bind: now)", dueDay: "expires_at / \(bind: Self.dayMS)"),
            .init(
                id: "expired_remember_tokens", category: "", description: "expired remember-me tokens",
                table: "remember_tokens", key: "id", condition: "expires_at < \(bind: now)",
                dueDay: "expires_at / \(bind: Self.dayMS)"),
            .init(
                id: "expired_invitations", category: "contact", description: "expired staff invitations",
                table: "staff_invites", key: "id", condition: "expires_at < \(bind: now)",
                dueDay: "expires_at / \(bind: Self.dayMS)"),
        ]
        return tasks
    }

    /// `thenMaxDays` of an `until_event` rule, or the days of a `days_after_collection` rule.
    static func maxDays(_ policy: PrivacyPolicy, _ category: String) -> Int? {
        switch policy.retention(for: category)?.rule {
        case .untilEvent(_, let days): days
        case .daysAfterCollection(let days): days
        default: nil
        }
    }

    func count(_ task: TableTask) async throws -> Int {
        let row = try await database.sql.raw(
            "SELECT COUNT(*) AS n FROM \(ident: task.table) WHERE \(task.condition)"
        ).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Deletes in batches of `batchSize`, each its own transaction, until nothing matches.
    func delete(_ task: TableTask) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await database.sql.raw(
                """
                DELETE FROM \(ident: task.table) WHERE \(task.key) IN (
                    SELECT \(task.key) FROM \(ident: task.table) WHERE \(task.condition) LIMIT \(bind: batchSize))
                RETURNING 1 AS one
                """
            ).all().count
            total += deleted
            if deleted < batchSize { return total }
        }
    }

    // MARK: Subscribers

    /// Subscribers without an account and without any subscription left: key destroyed, then their rows.
    func subscribers(dryRun: Bool) async throws -> RetentionCount {
        let condition: SQLQueryString = """
            member_id IS NULL AND id NOT IN (SELECT subscriber_id FROM subscriptions)
            """
        let description =
            "addresses of subscribers with no subscription left (a keyed hash stays on the suppression list)"
        if dryRun {
            let row = try await database.sql.raw("SELECT COUNT(*) AS n FROM subscribers WHERE \(condition)").first()
            return .init(
                task: "subscribers", category: "contact", description: description,
                count: try row?.decode(column: "n", as: Int.self) ?? 0)
        }
        var total = 0
        while true {
            let rows = try await database.sql.raw(
                "SELECT id, subject_id FROM subscribers WHERE \(condition) LIMIT \(bind: batchSize)"
            ).all()
            guard !rows.isEmpty else { break }
            let ids = try rows.map { try $0.decode(column: "id", as: String.self) }
            let subjects = try rows.map { try $0.decode(column: "subject_id", as: String.self) }
            let keyring = keyring
            try await database.transaction { db in
                for subject in subjects { try await keyring.destroy(subject: subject, on: db) }
            }
            try await database.transaction { db in
                try await db.delete(from: "subscriber_tags").where("subscriber_id", .in, SQLBind.group(ids)).run()
                try await db.delete(from: "subscription_confirmations").where("subscriber_id", .in, SQLBind.group(ids))
                    .run()
                try await db.delete(from: "subscribers").where("id", .in, SQLBind.group(ids)).run()
            }
            total += ids.count
            if rows.count < batchSize { break }
        }
        return .init(task: "subscribers", category: "contact", description: description, count: total)
    }

    // MARK: Accounts no longer used

    /// Warns members who have not signed in for `inactiveAccountDays`, and erases those warned 30 days ago who
    /// still have not.
    func inactiveAccounts(dryRun: Bool, now: Int64) async throws -> (warned: RetentionCount, erased: RetentionCount) {
        let days = Int64(inactiveAccountDays)
        let warnedText = "members warned that their unused account will be deleted (no sign-in for \(days) days)"
        let erasedText = "unused accounts erased \(Self.warningDays) days after the warning"
        guard days > 0 else {
            return (
                .init(task: "inactive_warned", category: "identity", description: warnedText, count: 0),
                .init(task: "inactive_erased", category: "identity", description: erasedText, count: 0)
            )
        }
        let idleSince = now - days * Self.dayMS
        let toWarn = try await database.sql.raw(
            """
            SELECT id FROM members WHERE inactivity_warned_at IS NULL
                AND COALESCE(last_active_at, created_at) < \(bind: idleSince)
            """
        ).all().map { try $0.decode(column: "id", as: String.self) }
        let toErase = try await database.sql.raw(
            """
            SELECT id FROM members WHERE inactivity_warned_at IS NOT NULL
                AND inactivity_warned_at < \(bind: now - Self.warningDays * Self.dayMS)
                AND COALESCE(last_active_at, created_at) < inactivity_warned_at
            """
        ).all().map { try $0.decode(column: "id", as: String.self) }
        if !dryRun {
            let deleteOn = CivilDate.short((now + Self.warningDays * Self.dayMS) / Self.dayMS)
            for id in toWarn {
                guard let member = try await accounts.member(id: id) else { continue }
                let lastActive = try await lastActive(memberID: id) ?? member.createdAt
                let outbox = outbox
                let key = try await keyring.key(for: member.subjectID)
                try await database.transaction { db in
                    try await db.update("members").set("inactivity_warned_at", to: now).where("id", .equal, id).run()
                    try await outbox.enqueue(
                        OutgoingMail(
                            to: member.email, name: member.profile.name,
                            subject: "Your account will be deleted on \(deleteOn) unless you sign in",
                            template: "account-inactive",
                            model: [
                                "lastActive": CivilDate.short(lastActive / Self.dayMS), "deleteOn": deleteOn,
                                "loginLink": links.url(.login(next: nil)),
                            ], kind: "account.inactive"),
                        sealedFor: key.map { (member.subjectID, $0) }, on: db)
                    try await audit.record(
                        "retention.inactive_warning", actor: .system, subject: member.subjectID, requestID: nil, on: db)
                }
            }
            for id in toErase {
                guard let member = try await accounts.member(id: id) else { continue }
                try await accounts.erase(member: member, actor: .system, requestID: nil)
            }
        }
        return (
            .init(task: "inactive_warned", category: "identity", description: warnedText, count: toWarn.count),
            .init(task: "inactive_erased", category: "identity", description: erasedText, count: toErase.count)
        )
    }

    private func lastActive(memberID: String) async throws -> Int64? {
        let row = try await database.sql.select().column("last_active_at").from("members")
            .where("id", .equal, memberID).first()
        return try row?.decode(column: "last_active_at", as: Int64?.self)
    }

    // MARK: Plan

    /// What will be deleted on which day within `horizonDays`, per rule (rules that apply at once show today).
    func plan(horizonDays: Int64 = 400) async throws -> [RetentionPlanLine] {
        let now = clock.milliseconds
        let today = now / Self.dayMS
        let policy = state.current.policy
        var lines: [RetentionPlanLine] = []
        for task in tableTasks(policy: policy, now: now + horizonDays * Self.dayMS) {
            guard let dueDay = task.dueDay else {
                let due = try await count(
                    tableTasks(policy: policy, now: now).first { $0.id == task.id } ?? task)
                if due > 0 {
                    lines.append(
                        .init(
                            day: today, task: task.id, category: task.category, description: task.description,
                            count: due))
                }
                continue
            }
            let rows = try await database.sql.raw(
                """
                SELECT \(dueDay) AS due, COUNT(*) AS n FROM \(ident: task.table) WHERE \(task.condition)
                GROUP BY due ORDER BY due
                """
            ).all()
            for row in rows {
                let day = max(today, try row.decode(column: "due", as: Int64.self))
                lines.append(
                    .init(
                        day: day, task: task.id, category: task.category, description: task.description,
                        count: try row.decode(column: "n", as: Int.self)))
            }
        }
        let subscribers = try await subscribers(dryRun: true)
        if subscribers.count > 0 {
            lines.append(
                .init(
                    day: today, task: subscribers.task, category: subscribers.category,
                    description: subscribers.description, count: subscribers.count))
        }
        if inactiveAccountDays > 0 {
            let rows = try await database.sql.raw(
                """
                SELECT COALESCE(last_active_at, created_at) AS active, inactivity_warned_at AS warned FROM members
                """
            ).all()
            var byDay: [Int64: Int] = [:]
            for row in rows {
                let active = try row.decode(column: "active", as: Int64.self)
                let warned = try row.decode(column: "warned", as: Int64?.self)
                let warnDay = max(today, (active + Int64(inactiveAccountDays) * Self.dayMS) / Self.dayMS)
                let eraseDay = max(today, (warned.map { $0 / Self.dayMS } ?? warnDay) + Self.warningDays)
                if eraseDay <= today + horizonDays { byDay[eraseDay, default: 0] += 1 }
            }
            for (day, count) in byDay {
                lines.append(
                    .init(
                        day: day, task: "inactive_erased", category: "identity",
                        description: "unused accounts erased (unless their member signs in after the warning)",
                        count: count))
            }
        }
        return lines.sorted { ($0.day, $0.task) < ($1.day, $1.task) }
    }
}

/// Runs the retention rules once a day (and once shortly after start-up).
struct RetentionJobService: Service {
    let retention: RetentionService
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            try? await Task.sleep(for: .seconds(60))
            while !Task.isCancelled {
                do {
                    let counts = try await retention.run(dryRun: false)
                    logger.info(
                        "retention run finished",
                        metadata: ["retention.removed": "\(counts.reduce(0) { $0 + $1.count })"])
                } catch {
                    logger.error("retention run failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
