import Foundation
import Logging
import Policy
import SQLKit
import ServiceLifecycle
import Storage
import Vault

/// What can go wrong with a data request.
enum PrivacyRequestError: Error, Equatable {
    /// Bad input: the message for each field.
    case invalid([String: String])
    /// Too many requests from this address; try again after the seconds given.
    case rateLimited(retryAfter: Int)
    /// The link is unknown, used, or expired.
    case invalidLink
    /// No such request, or not in a state that allows this.
    case notFound
    case notOpen
}

/// Data requests from anyone (GDPR Art. 15–21): filed at `/privacy/request`, counted once confirmed by a link sent to
/// the address, answered within the policy's deadline (never beyond one month), with reminders to privacy staff,
/// extensions that tell the requester why, and fulfilment done by Steward wherever it holds the data.
struct PrivacyRequestService: Sendable {
    /// Days the confirmation link stays valid.
    static let linkDays: Int64 = 7
    /// Days after confirmation when privacy staff are reminded of a request still open.
    static let reminderDays: Int64 = 10
    /// Days a download link for an access request stays valid.
    static let downloadDays: Int64 = 7
    /// Days a deadline may be extended by at most (Art. 12(3): two further months).
    static let maxExtensionDays = 60
    static let dayMS: Int64 = 86_400_000

    let database: Database
    let repository: SQLPrivacyRequestRepository
    let members: SQLMemberRepository
    let accounts: AccountService
    let rights: PrivacyRightsService
    let exports: DataExportService
    let subscribers: SQLSubscriberRepository
    let staff: SQLStaffRepository
    let keyring: Keyring
    let outbox: Outbox
    let audit: AuditLog
    let state: PolicyState
    let validator: AccountValidator
    let links: SiteLinks
    let limiter: RateLimiter
    let clock: any WallClock

    // MARK: Filing

    /// Files a request and e-mails the confirmation link. Answers the same whether or not the address is known.
    func file(
        kind: PrivacyRequest.Kind, email rawEmail: String, details rawDetails: String, ip: String, requestID: String?
    )
        async throws
    {
        let email = rawEmail.trimmingCharacters(in: .whitespacesAndNewlines)
        let details = rawDetails.trimmingCharacters(in: .whitespacesAndNewlines)
        let problems = problems(kind: kind, email: email, details: details)
        guard problems.isEmpty else { throw PrivacyRequestError.invalid(problems) }
        do {
            try await limiter.hit(["ip:" + ip, "email:" + keyring.emailIndex(email)])
        } catch let limited as RateLimiter.Limited {
            throw PrivacyRequestError.rateLimited(retryAfter: limited.retryAfter)
        }
        let id = Identifier.make()
        let subjectID = "request-" + id
        let token = Token.generate()
        let now = clock.milliseconds
        let repository = repository
        let outbox = outbox
        let audit = audit
        let keyring = keyring
        let link = links.url(.privacyRequestConfirm(token: token))
        try await database.transaction { db in
            try await repository.create(
                id: id, subjectID: subjectID, kind: kind, email: email, details: details, tokenHash: Token.hash(token),
                now: now, on: db)
            let key = try await keyring.key(for: subjectID, on: db)
            try await outbox.enqueue(
                OutgoingMail(
                    to: email, name: nil, subject: "Confirm your request about your data",
                    template: "privacy-request-confirm",
                    model: ["link": link, "kind": kind.label, "validDays": String(Self.linkDays)],
                    kind: "privacy.request_confirm"),
                sealedFor: key.map { (subjectID, $0) }, on: db)
            try await audit.record(
                "privacy.request.file", actor: .anonymous, subject: subjectID, requestID: requestID,
                details: ["kind": kind.rawValue, "request": id], on: db)
        }
    }

    /// What is wrong with a request's fields, by field.
    func problems(kind: PrivacyRequest.Kind, email rawEmail: String, details rawDetails: String) -> [String: String] {
        let email = rawEmail.trimmingCharacters(in: .whitespacesAndNewlines)
        let details = rawDetails.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [String: String] = [:]
        if let problem = validator.problem(withEmail: email) { problems["email"] = problem }
        if details.count > 5000 { problems["details"] = "Use at most 5,000 characters." }
        if kind == .correction && details.isEmpty {
            problems["details"] = "Tell us what is wrong and what it should say."
        }
        return problems
    }

    /// Confirms a request from its link: the deadline starts now, and privacy staff are told.
    func confirm(token: String, requestID: String?) async throws -> PrivacyRequest {
        let now = clock.milliseconds
        guard var request = try await repository.find(tokenHash: Token.hash(token)) else {
            throw PrivacyRequestError.invalidLink
        }
        if request.status != .unconfirmed { return request }
        guard now - request.createdAt <= Self.linkDays * Self.dayMS else { throw PrivacyRequestError.invalidLink }
        let due = Self.deadline(from: now, days: state.current.policy.requests.deadlineDays)
        guard try await repository.confirm(id: request.id, dueAt: due, now: now) else { return request }
        request.status = .open
        request.dueAt = due
        try await audit.record(
            "privacy.request.confirm", actor: .anonymous, subject: request.subjectID, requestID: requestID,
            details: ["request": request.id, "due": CivilDate.iso(due / Self.dayMS)])
        try await notifyStaff(
            request, subject: "New data request: \(request.kind.label.lowercased())", template: "privacy-request-staff",
            note: "A new request was confirmed. It is due on \(CivilDate.short(due / Self.dayMS)).")
        return request
    }

    /// The deadline: `days` after `from`, and never beyond the same day of the next month (the legal month).
    static func deadline(from: Int64, days: Int) -> Int64 {
        let (year, month, day) = CivilDate.components(of: from / dayMS)
        let (nextYear, nextMonth) = month == 12 ? (year + 1, Int64(1)) : (year, month + 1)
        let following =
            nextMonth == 12
            ? CivilDate.day(year: nextYear + 1, month: 1, day: 1)
            : CivilDate.day(year: nextYear, month: nextMonth + 1, day: 1)
        let lastDay = CivilDate.components(of: following - 1).day
        let monthLater = CivilDate.day(year: nextYear, month: nextMonth, day: min(day, lastDay)) * dayMS + from % dayMS
        return min(from + Int64(days) * dayMS, monthLater)
    }

    // MARK: Staff

    /// Opens a request for a staff member; the viewing is audited.
    func view(id: String, staffID: String, requestID: String?) async throws -> PrivacyRequest {
        guard let request = try await repository.find(id: id), request.status != .unconfirmed else {
            throw PrivacyRequestError.notFound
        }
        try await audit.record(
            "privacy.request.view", actor: .staff(staffID), subject: request.subjectID, requestID: requestID,
            details: ["request": id, "purpose": "answering the request"])
        return request
    }

    /// What Steward holds under the request's address: the member account and subscriber records.
    func holdings(email: String) async throws -> (member: Member?, subscriberIDs: [String]) {
        let member = try await members.find(email: email)
        let rows = try await database.sql.select().column("id").from("subscribers")
            .where("email_index", .equal, keyring.emailIndex(email)).all()
        return (member, try rows.map { try $0.decode(column: "id", as: String.self) })
    }

    /// Extends the deadline by `days` (at most two months in all) and tells the requester why.
    func extend(id: String, days: Int, reason rawReason: String, staffID: String, requestID: String?) async throws {
        let reason = rawReason.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [String: String] = [:]
        if !(1...Self.maxExtensionDays).contains(days) {
            problems["days"] = "Extend by 1 to \(Self.maxExtensionDays) days."
        }
        if reason.isEmpty { problems["reason"] = "Say why: the requester is told." }
        guard problems.isEmpty else { throw PrivacyRequestError.invalid(problems) }
        guard let request = try await repository.find(id: id), let due = request.dueAt,
            let confirmed = request.confirmedAt
        else { throw PrivacyRequestError.notFound }
        guard request.status == .open else { throw PrivacyRequestError.notOpen }
        let limit = Self.deadline(from: confirmed, days: 31) + Int64(Self.maxExtensionDays) * Self.dayMS
        let newDue = min(due + Int64(days) * Self.dayMS, limit)
        let now = clock.milliseconds
        let repository = repository
        let outbox = outbox
        let audit = audit
        let key = try await keyring.key(for: request.subjectID)
        try await database.transaction { db in
            try await repository.extend(id: id, dueAt: newDue, reason: reason, staffID: staffID, now: now, on: db)
            try await outbox.enqueue(
                OutgoingMail(
                    to: request.email, name: nil, subject: "We need more time for your request",
                    template: "privacy-request-extended",
                    model: ["kind": request.kind.label, "due": CivilDate.short(newDue / Self.dayMS), "reason": reason],
                    kind: "privacy.request_extended"),
                sealedFor: key.map { (request.subjectID, $0) }, on: db)
            try await audit.record(
                "privacy.request.extend", actor: .staff(staffID), subject: request.subjectID, requestID: requestID,
                details: ["request": id, "due": CivilDate.iso(newDue / Self.dayMS)], on: db)
        }
    }

    /// Fulfils a request with what Steward holds, and e-mails the answer.
    ///
    /// - access: a download link (valid 7 days) to the same export a member downloads.
    /// - erasure: the account is erased (key first) and subscriber records shredded; the answer lists the
    ///   recipients that had received the data (GDPR Art. 19).
    /// - objection: every marketing consent withdrawn and the address suppressed on every list.
    /// - correction: staff correct the data by hand and describe what they changed in `note`.
    /// - Returns: The outcome as told to the requester.
    @discardableResult
    func fulfil(id: String, note rawNote: String, staffID: String, requestID: String?) async throws -> String {
        let note = rawNote.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let request = try await repository.find(id: id) else { throw PrivacyRequestError.notFound }
        guard request.status == .open else { throw PrivacyRequestError.notOpen }
        let now = clock.milliseconds
        let (member, subscriberIDs) = try await holdings(email: request.email)
        var outcome: String
        var download: (token: String, expires: Int64)?
        var details: [String: String] = [:]
        switch request.kind {
        case .access:
            if member == nil && subscriberIDs.isEmpty {
                outcome = "We hold no personal data linked to this address."
            } else {
                download = (Token.generate(), now + Self.downloadDays * Self.dayMS)
                outcome =
                    "Your data is ready: download it with the link below within \(Self.downloadDays) days. "
                    + "It holds everything we keep about you and, for each kind of data, why we keep it, who "
                    + "receives it and for how long."
            }
        case .erasure:
            let recipients = try await recipientsTold(member: member, subscriberIDs: subscriberIDs)
            details["recipients"] = recipients.joined(separator: "; ")
            if let member { try await accounts.erase(member: member, actor: .staff(staffID), requestID: requestID) }
            let shredded = try await shredSubscribers(ids: subscriberIDs)
            if member == nil && shredded == 0 {
                outcome = "We hold no personal data linked to this address, so there was nothing to erase."
            } else {
                outcome =
                    "We erased "
                    + [
                        member == nil ? nil : "your account and everything in it",
                        shredded == 0 ? nil : "your newsletter subscriptions",
                    ].compactMap { $0 }.joined(
                        separator: " and ")
                    + ". Your data key was destroyed first, so nothing of it can be read again."
                if !recipients.isEmpty {
                    outcome +=
                        " These recipients had received some of your data (GDPR Art. 19): "
                        + recipients.joined(separator: "; ")
                        + ". We keep nothing that would let them reach you again; ask us if you want us to contact "
                        + "them on your behalf."
                }
            }
        case .objection:
            if let member {
                try await rights.objectToMarketing(
                    member: member, request: RequestInfo(ip: "", userAgent: "", requestID: requestID ?? ""))
            }
            try await suppressEverywhere(email: request.email, subscriberIDs: subscriberIDs)
            outcome =
                "We no longer use your data for marketing: every marketing consent is withdrawn and your address "
                + "is on our do-not-mail list for every list."
        case .correction:
            guard !note.isEmpty else {
                throw PrivacyRequestError.invalid(["note": "Say what you corrected: the requester is told."])
            }
            outcome = "We corrected your data: " + note
        }
        if request.kind != .correction && !note.isEmpty { outcome += " " + note }
        try await answer(
            request, status: .fulfilled, outcome: outcome, download: download, staffID: staffID, requestID: requestID,
            details: details)
        return outcome
    }

    /// Refuses a request with the reason, and tells the requester.
    func refuse(id: String, reason rawReason: String, staffID: String, requestID: String?) async throws {
        let reason = rawReason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw PrivacyRequestError.invalid(["reason": "Say why: the requester is told."]) }
        guard let request = try await repository.find(id: id) else { throw PrivacyRequestError.notFound }
        guard request.status == .open else { throw PrivacyRequestError.notOpen }
        try await answer(
            request, status: .refused,
            outcome: "We cannot do what you asked: \(reason) You may complain to your data protection authority.",
            download: nil, staffID: staffID, requestID: requestID)
    }

    private func answer(
        _ request: PrivacyRequest, status: PrivacyRequest.Status, outcome: String,
        download: (token: String, expires: Int64)?, staffID: String, requestID: String?, details: [String: String] = [:]
    ) async throws {
        let now = clock.milliseconds
        let repository = repository
        let outbox = outbox
        let audit = audit
        let key = try await keyring.key(for: request.subjectID)
        let link = download.map { links.url(.privacyRequestDownload(token: $0.token)) }
        try await database.transaction { db in
            try await repository.answer(
                id: request.id, status: status, outcome: outcome, staffID: staffID,
                downloadHash: download.map { Token.hash($0.token) }, downloadExpiresAt: download?.expires, now: now,
                on: db)
            var model: [String: Any] = ["kind": request.kind.label, "outcome": outcome]
            if let link { model["link"] = link }
            try await outbox.enqueue(
                OutgoingMail(
                    to: request.email, name: nil, subject: "Your request about your data: our answer",
                    template: "privacy-request-answered", model: model, kind: "privacy.request_answered"),
                sealedFor: key.map { (request.subjectID, $0) }, on: db)
            try await audit.record(
                status == .fulfilled ? "privacy.request.fulfil" : "privacy.request.refuse", actor: .staff(staffID),
                subject: request.subjectID, requestID: requestID,
                details: details.merging(["request": request.id]) { _, new in new }, on: db)
        }
    }

    /// The archive behind an access request's download link.
    func download(token: String, requestID: String?) async throws -> [UInt8] {
        let now = clock.milliseconds
        guard let request = try await repository.find(downloadHash: Token.hash(token), now: now) else {
            throw PrivacyRequestError.invalidLink
        }
        if let member = try await members.find(email: request.email),
            let bytes = try await exports.archive(memberID: member.id, requestID: requestID)
        {
            return bytes
        }
        guard let bytes = try await exports.archive(subscriberEmail: request.email, requestID: requestID) else {
            throw PrivacyRequestError.invalidLink
        }
        return bytes
    }

    /// Recipients named by the policy that received the person's data: the mail relay when mail was sent to them.
    func recipientsTold(member: Member?, subscriberIDs: [String]) async throws -> [String] {
        let policy = state.current.policy
        var subjects: [String] = member.map { [$0.subjectID] } ?? []
        if !subscriberIDs.isEmpty {
            subjects += try await database.sql.select().column("subject_id").from("subscribers")
                .where("id", .in, SQLBind.group(subscriberIDs)).all().map {
                    try $0.decode(column: "subject_id", as: String.self)
                }
        }
        guard !subjects.isEmpty else { return [] }
        let mailed =
            try await database.sql.raw(
                "SELECT COUNT(*) AS n FROM outbox WHERE status = 'sent' AND subject_id IN \(SQLBind.group(subjects))"
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        let delivered =
            subscriberIDs.isEmpty
            ? 0
            : try await database.sql.raw(
                "SELECT COUNT(*) AS n FROM deliveries WHERE status = 'sent' AND subscriber_id IN \(SQLBind.group(subscriberIDs))"
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        guard mailed + delivered > 0, let relay = policy.recipient("mail_relay") else { return [] }
        return ["\(relay.name) (it delivered \(mailed + delivered) e-mail(s) to you and keeps delivery logs)"]
    }

    private func shredSubscribers(ids: [String]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let rows = try await database.sql.select().column("subject_id").from("subscribers")
            .where("id", .in, SQLBind.group(ids)).where("member_id", .is, SQLLiteral.null).all()
        let subjects = try rows.map { try $0.decode(column: "subject_id", as: String.self) }
        let keyring = keyring
        try await database.transaction { db in
            for subject in subjects { try await keyring.destroy(subject: subject, on: db) }
        }
        try await database.transaction { db in
            let orphans = SQLSubquery.select {
                $0.column("id").from("subscribers").where("id", .in, SQLBind.group(ids))
                    .where("member_id", .is, SQLLiteral.null)
            }
            try await db.update("deliveries").set("status", to: "dropped").set("last_error", to: "erased")
                .where("subscriber_id", .in, orphans).where("status", .in, ["pending", "sending"]).run()
            try await db.delete(from: "subscriptions").where("subscriber_id", .in, orphans).run()
            try await db.delete(from: "subscriber_tags").where("subscriber_id", .in, orphans).run()
            try await db.delete(from: "subscription_confirmations").where("subscriber_id", .in, orphans).run()
            try await db.delete(from: "consent_records").where("subject_id", .in, SQLBind.group(subjects)).run()
            try await SQLMailTrackingRepository.delete(subjectIDs: subjects, on: db)
            try await db.delete(from: "outbox").where("subject_id", .in, SQLBind.group(subjects)).run()
            try await db.delete(from: "subscribers").where("id", .in, SQLBind.group(ids))
                .where("member_id", .is, SQLLiteral.null).run()
        }
        return subjects.count
    }

    private func suppressEverywhere(email: String, subscriberIDs: [String]) async throws {
        let now = clock.milliseconds
        let subscribers = subscribers
        let index = keyring.emailIndex(email)
        try await database.transaction { db in
            for id in subscriberIDs {
                for subscription in try await subscribers.subscriptions(subscriberID: id, on: db) {
                    try await subscribers.remove(listID: subscription.listID, subscriberID: id, now: now, on: db)
                }
            }
            try await subscribers.suppress(
                emailIndex: index, listID: "*", reason: "objection", detail: nil, now: now, on: db)
        }
    }

    // MARK: Reminders and figures

    /// E-mails privacy staff about requests open for 10 days and about overdue ones (each once).
    @discardableResult
    func sendReminders() async throws -> (reminded: Int, overdue: Int) {
        let now = clock.milliseconds
        let (due, overdue) = try await repository.needingReminders(
            now: now, reminderAfter: Self.reminderDays * Self.dayMS)
        for id in due {
            guard let request = try await repository.find(id: id), let dueAt = request.dueAt else { continue }
            try await notifyStaff(
                request, subject: "Reminder: a data request is due on \(CivilDate.short(dueAt / Self.dayMS))",
                template: "privacy-request-staff",
                note:
                    "This request has been open for \(Self.reminderDays) days. It is due on \(CivilDate.short(dueAt / Self.dayMS))."
            )
            try await repository.markReminded(id: id, overdue: false, now: now)
        }
        for id in overdue {
            guard let request = try await repository.find(id: id), let dueAt = request.dueAt else { continue }
            try await notifyStaff(
                request, subject: "Overdue: a data request was due on \(CivilDate.short(dueAt / Self.dayMS))",
                template: "privacy-request-staff",
                note:
                    "This request is OVERDUE: it was due on \(CivilDate.short(dueAt / Self.dayMS)). Answer it, or extend the deadline with a reason."
            )
            try await repository.markReminded(id: id, overdue: true, now: now)
        }
        if !due.isEmpty || !overdue.isEmpty {
            try await audit.record(
                "privacy.request.remind", actor: .system, subject: nil, requestID: nil,
                details: ["reminded": String(due.count), "overdue": String(overdue.count)])
        }
        return (due.count, overdue.count)
    }

    /// Answer times (median and 95th percentile, in hours) and the open and overdue counts.
    /// - Parameter requests: The confirmed requests when the caller has read them already.
    func figures(of requests: [PrivacyRequest]? = nil) async throws
        -> (medianHours: Double?, p95Hours: Double?, open: Int, overdue: Int)
    {
        let times = try await repository.answerTimes()
        func percentile(_ p: Double) -> Double? {
            guard !times.isEmpty else { return nil }
            let rank = Int((p * Double(times.count)).rounded(.up)) - 1
            return Double(times[max(0, min(times.count - 1, rank))]) / 3_600_000
        }
        let now = clock.milliseconds
        let all: [PrivacyRequest]
        if let requests { all = requests } else { all = try await repository.all() }
        return (
            percentile(0.5), percentile(0.95), all.filter { $0.status == .open }.count,
            all.filter { $0.isOverdue(now: now) }.count
        )
    }

    private func notifyStaff(_ request: PrivacyRequest, subject: String, template: String, note: String) async throws {
        let recipients = try await staff.all().filter { $0.role == .owner || $0.role == .privacyOfficer }
        guard !recipients.isEmpty else { return }
        let outbox = outbox
        let keyring = keyring
        let link = links.url(.adminRequest(id: request.id))
        try await database.transaction { db in
            for member in recipients {
                let key = try await keyring.key(for: member.subjectID, on: db)
                try await outbox.enqueue(
                    OutgoingMail(
                        to: member.email, name: member.name, subject: subject, template: template,
                        model: ["note": note, "kind": request.kind.label, "link": link], kind: "privacy.request_staff"),
                    sealedFor: key.map { (member.subjectID, $0) }, on: db)
            }
        }
    }
}

/// Sends the privacy staff's reminders once an hour, and removes requests never confirmed.
struct PrivacyRequestReminderService: Service {
    let requests: PrivacyRequestService
    let repository: SQLPrivacyRequestRepository
    let clock: any WallClock
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await requests.sendReminders()
                    _ = try await repository.deleteUnconfirmed(
                        before: clock.milliseconds - PrivacyRequestService.linkDays * PrivacyRequestService.dayMS)
                } catch {
                    logger.error("data request reminders failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(3600))
            }
        }
    }
}
