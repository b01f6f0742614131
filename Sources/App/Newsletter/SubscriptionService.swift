import Crypto
import Foundation
import Mailing
import Policy
import SQLKit
import Storage
import Vault

/// Who is on which list, and the consent that being there means.
///
/// Subscribing to a list is consent to its purpose, recorded as evidence; unsubscribing withdraws it (when no other
/// list of the purpose remains), deletes the subscription at once and keeps only the address's keyed fingerprint
/// on the suppression list. Anyone can join a public list from the form with double opt-in; members choose their
/// lists and interests at /account/subscriptions.
struct SubscriptionService: Sendable {
    /// How long a double opt-in link works.
    static let confirmationLifetime: Int64 = 48 * 3600 * 1000

    let database: Database
    let repository: SQLSubscriberRepository
    let members: SQLMemberRepository
    let consent: ConsentService
    let audit: AuditLog
    let outbox: Outbox
    let links: SiteLinks
    let clock: any WallClock
    let validator: AccountValidator
    let unsubscribeSecret: SymmetricKey
    let limiter: RateLimiter

    // MARK: Lists

    /// Every list, with the purposes staff may bind new lists to (consent purposes that may use addresses).
    func lists() async throws -> [MailingList] {
        try await repository.lists()
    }

    /// Purposes a list may serve: consent-based purposes of the live policy that may use e-mail addresses.
    var mailingPurposes: [(id: String, name: String)] {
        consent.state.current.policy.purposes.filter { $0.requiresConsent && $0.categories.contains("contact") }
            .map { ($0.id, $0.name) }
    }

    /// Creates a list bound to a purpose of the policy.
    func createList(
        name: String, description: String, purpose: String, visibility: MailingList.Visibility, staffID: String,
        requestID: String?
    ) async throws -> MailingList {
        var problems: [String: String] = [:]
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { problems["name"] = "Give the list a name." }
        if name.count > 100 { problems["name"] = "Use at most 100 characters." }
        if description.count > 500 { problems["description"] = "Use at most 500 characters." }
        if !mailingPurposes.contains(where: { $0.id == purpose }) {
            problems["purpose"] = "Choose a purpose of the privacy policy that may use e-mail addresses."
        }
        guard problems.isEmpty else { throw NewsletterError.invalid(problems) }
        var slug = String(
            name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }.prefix(40))
        while slug.contains("__") { slug = slug.replacingOccurrences(of: "__", with: "_") }
        slug = slug.trimmingCharacters(in: CharacterSet(charactersIn: "_"))
        if slug.isEmpty || !slug.unicodeScalars.allSatisfy(\.isASCII) { slug = "list" }
        let list = MailingList(
            id: slug + "_" + Token.generate(byteCount: 3).lowercased().filter { $0.isLetter || $0.isNumber },
            name: name, description: description, purpose: purpose, visibility: visibility)
        let now = clock.milliseconds
        try await database.transaction { db in
            try await repository.createList(list, now: now, on: db)
            try await audit.record(
                "list.create", actor: .staff(staffID), subject: nil, requestID: requestID,
                details: ["list": list.id, "purpose": purpose], on: db)
        }
        return list
    }

    // MARK: Public form (double opt-in)

    /// Starts a subscription from the public form: stores it as pending and mails a single-use link.
    ///
    /// Answers the same whether or not the address is already on the list, so the form reveals nothing.
    /// - Throws: ``NewsletterError/invalid(_:)`` for bad input, ``NewsletterError/unknownList`` for a private or
    ///   unknown list, ``AccountError/rateLimited(retryAfter:)``.
    func subscribe(email: String, name: String?, listIDs: [String], request: RequestInfo) async throws {
        var problems: [String: String] = [:]
        let email = email.trimmingCharacters(in: .whitespacesAndNewlines)
        let name = name?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        if let problem = validator.problem(withEmail: email) { problems["email"] = problem }
        if let name, name.count > 200 || name.contains(where: \.isNewline) {
            problems["name"] = "Use at most 200 characters on one line."
        }
        if listIDs.isEmpty { problems["lists"] = "Choose at least one list." }
        guard problems.isEmpty else { throw NewsletterError.invalid(problems) }
        let lists = try await repository.lists().filter { listIDs.contains($0.id) }
        guard lists.count == Set(listIDs).count, lists.allSatisfy({ $0.visibility == .public }) else {
            throw NewsletterError.unknownList
        }
        do {
            try await limiter.hit(["ip:" + request.ip, "email:" + repository.keyring.emailIndex(email)])
        } catch let limited as RateLimiter.Limited {
            throw AccountError.rateLimited(retryAfter: limited.retryAfter)
        }
        let now = clock.milliseconds
        try await database.transaction { db in
            let subscriber: Subscriber
            if let existing = try await repository.subscriber(email: email, on: db) {
                subscriber = existing
            } else {
                subscriber = try await repository.createSubscriber(email: email, name: name, now: now, on: db)
            }
            let current = try await repository.subscriptions(subscriberID: subscriber.id, on: db)
            let wanted = lists.filter { list in !current.contains { $0.listID == list.id && $0.status == .active } }
            guard !wanted.isEmpty else { return }
            for list in wanted {
                try await repository.upsert(
                    Subscription(
                        listID: list.id, subscriberID: subscriber.id, status: .pending,
                        source: "subscription form, \(links.url(.subscribe))", consentedAt: now, confirmedAt: nil),
                    now: now, on: db)
            }
            let token = try await repository.issueConfirmation(
                subscriberID: subscriber.id, listID: wanted.map(\.id).joined(separator: ","),
                expiresAt: now + Self.confirmationLifetime, now: now, on: db)
            guard let key = try await repository.keyring.key(for: subscriber.subjectID, on: db) else { return }
            try await outbox.enqueue(
                OutgoingMail(
                    to: email, name: name ?? subscriber.name, subject: "Confirm your subscription",
                    template: "subscribe-confirm",
                    model: [
                        "link": links.url(.subscribeConfirm(token: token)), "lists": wanted.map(\.name),
                        "expiresIn": "48 hours",
                    ],
                    kind: "subscription.confirm", purpose: wanted[0].purpose),
                sealedFor: (subscriber.subjectID, key), on: db)
            try await audit.record(
                "subscription.request", actor: .anonymous, subject: subscriber.subjectID,
                requestID: request.requestID, details: ["lists": wanted.map(\.id).joined(separator: ",")], on: db)
        }
    }

    /// Confirms a pending subscription from its link: the subscription becomes active and the consent is recorded.
    /// - Returns: The names of the lists confirmed, or nil for an unknown, used or expired link.
    func confirm(token: String, request: RequestInfo) async throws -> [String]? {
        let now = clock.milliseconds
        return try await database.transaction { db -> [String]? in
            guard let found = try await repository.consumeConfirmation(token, now: now, on: db),
                let subscriber = try await repository.subscriber(id: found.subscriberID, on: db)
            else { return nil }
            let listIDs = found.listID.split(separator: ",").map(String.init)
            let lists = try await repository.lists(on: db).filter { listIDs.contains($0.id) }
            let current = try await repository.subscriptions(subscriberID: subscriber.id, on: db)
            var confirmed: [String] = []
            for list in lists {
                guard let pending = current.first(where: { $0.listID == list.id }) else { continue }
                try await repository.upsert(
                    Subscription(
                        listID: list.id, subscriberID: subscriber.id, status: .active, source: pending.source,
                        consentedAt: pending.consentedAt, confirmedAt: now),
                    now: now, on: db)
                try await repository.unsuppress(
                    emailIndex: repository.keyring.emailIndex(subscriber.email), listID: list.id, on: db)
                confirmed.append(list.name)
            }
            try await consent.record(
                Set(lists.map(\.purpose)).sorted().map { (id: $0, granted: true) }, subjectID: subscriber.subjectID,
                method: .subscription, requestID: request.requestID, actor: .anonymous, on: db)
            try await audit.record(
                "subscription.confirm", actor: .anonymous, subject: subscriber.subjectID, requestID: request.requestID,
                details: ["lists": lists.map(\.id).joined(separator: ",")], on: db)
            return confirmed
        }
    }

    // MARK: Unsubscribing

    /// The token for a recipient's unsubscribe link.
    func unsubscribeToken(subscriberID: String, listID: String) -> String {
        UnsubscribeToken(
            subscriberID: subscriberID, listID: listID, expiresAt: clock.milliseconds + UnsubscribeToken.lifetime
        ).encoded(secret: unsubscribeSecret)
    }

    /// Checks an unsubscribe token: nil when forged or expired.
    func readUnsubscribeToken(_ text: String) -> UnsubscribeToken? {
        UnsubscribeToken.decode(text, secret: unsubscribeSecret, now: clock.milliseconds)
    }

    /// The list a valid token names, for the confirmation page.
    func list(for token: UnsubscribeToken) async throws -> MailingList? {
        try await repository.list(id: token.listID)
    }

    /// Unsubscribes from one list: the subscription goes at once, the consent is withdrawn when no other list of
    /// the purpose remains, the address's fingerprint is suppressed for the list, and a subscriber on no list any
    /// more is erased. Idempotent: a second call does nothing.
    func unsubscribe(
        _ token: UnsubscribeToken, request: RequestInfo, actor: AuditLog.Actor = .anonymous,
        method: String = "one-click link"
    ) async throws {
        let now = clock.milliseconds
        try await database.transaction { db in
            try await unsubscribe(
                subscriberID: token.subscriberID, listID: token.listID, method: method, now: now,
                request: request, actor: actor, on: db)
        }
    }

    /// Unsubscribes the sender of a message to the List-Unsubscribe mailto address, by the signed token in its
    /// subject (or body). The token, not the sender's address, decides who leaves which list: a forged, altered or
    /// expired token changes nothing.
    func unsubscribe(mail message: [UInt8], requestID: String) async throws -> MailUnsubscribeOutcome {
        guard let text = UnsubscribeMail.token(in: message) else { return .noToken }
        guard let token = readUnsubscribeToken(text) else { return .invalidToken }
        let list = try await repository.list(id: token.listID)
        try await unsubscribe(
            token, request: RequestInfo(ip: "", userAgent: "", requestID: requestID), method: "mailto")
        return .unsubscribed(listName: list?.name ?? token.listID)
    }

    /// Unsubscribes inside a transaction (also used by members' settings and the campaign engine's hard bounces).
    func unsubscribe(
        subscriberID: String, listID: String, method: String, now: Int64, request: RequestInfo?,
        actor: AuditLog.Actor, suppression: (reason: String, listID: String, detail: String?)? = nil,
        on db: any SQLDatabase
    ) async throws {
        guard
            let row = try await db.select().columns("subject_id", "member_id", "email_index").from("subscribers")
                .where("id", .equal, subscriberID).first()
        else { return }
        let subjectID = try row.decode(column: "subject_id", as: String.self)
        let memberID = try row.decode(column: "member_id", as: String?.self)
        var emailIndex = try row.decode(column: "email_index", as: String.self)
        if let memberID {
            emailIndex =
                try await db.select().column("email_index").from("members").where("id", .equal, memberID).first()?
                .decode(column: "email_index", as: String.self) ?? emailIndex
        }
        let lists = try await repository.lists(on: db)
        let current = try await repository.subscriptions(subscriberID: subscriberID, on: db)
        let leaving = suppression?.listID == "*" ? current.map(\.listID) : [listID]
        for id in leaving {
            try await repository.remove(listID: id, subscriberID: subscriberID, now: now, on: db)
        }
        let remaining = current.filter { !leaving.contains($0.listID) }
        let purposesLeft = Set(remaining.compactMap { sub in lists.first { $0.id == sub.listID }?.purpose })
        let purposesLeaving = Set(leaving.compactMap { id in lists.first { $0.id == id }?.purpose })
        let withdrawn = purposesLeaving.subtracting(purposesLeft).sorted()
        if !withdrawn.isEmpty {
            try await consent.record(
                withdrawn.map { (id: $0, granted: false) }, subjectID: subjectID, method: .subscription,
                requestID: request?.requestID, actor: actor, on: db)
        }
        try await repository.suppress(
            emailIndex: emailIndex, listID: suppression?.listID ?? listID,
            reason: suppression?.reason ?? "unsubscribed",
            detail: suppression?.detail, now: now, on: db)
        try await audit.record(
            "subscription.unsubscribe", actor: actor, subject: subjectID, requestID: request?.requestID,
            details: [
                "list": suppression?.listID == "*" ? "*" : listID, "method": method,
                "reason": suppression?.reason ?? "unsubscribed",
            ], on: db)
        if remaining.isEmpty && memberID == nil,
            let subscriber = try await repository.subscriber(id: subscriberID, on: db)
        {
            try await repository.erase(subscriber: subscriber, on: db)
            try await audit.record(
                "subscriber.erase", actor: .system, subject: subjectID, requestID: request?.requestID,
                details: ["reason": "no list left"], on: db)
        }
    }

    // MARK: Members

    /// A member's lists (public ones, and private ones they are on) and their interests.
    func memberChoices(memberID: String) async throws -> (
        lists: [(list: MailingList, subscribed: Bool)], tags: [String]
    ) {
        let lists = try await repository.lists()
        guard let subscriberID = try await repository.subscriberID(memberID: memberID) else {
            return (lists.filter { $0.visibility == .public }.map { ($0, false) }, [])
        }
        let current = try await repository.subscriptions(subscriberID: subscriberID)
        let tags = try await repository.tags(subscriberID: subscriberID)
        return (
            lists.compactMap { list in
                let on = current.contains { $0.listID == list.id && $0.status == .active }
                return list.visibility == .public || on ? (list, on) : nil
            }, tags
        )
    }

    /// Applies a member's choices from /account/subscriptions: each list joined or left is a consent given or
    /// withdrawn; interests narrow what they receive.
    func updateMember(memberID: String, listIDs: Set<String>, tags: [String], request: RequestInfo) async throws {
        guard let member = try await members.find(id: memberID) else { throw AccountError.notFound }
        let tags = Array(Set(tags.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.prefix(50)))
        let now = clock.milliseconds
        let lists = try await repository.lists()
        try await database.transaction { db in
            let subscriberID = try await repository.memberSubscriberID(
                memberID: memberID, subjectID: member.subjectID, now: now, on: db)
            let current = try await repository.subscriptions(subscriberID: subscriberID, on: db)
            let joining = lists.filter { list in
                listIDs.contains(list.id) && !current.contains { $0.listID == list.id }
                    && (list.visibility == .public)
            }
            for list in joining {
                try await repository.upsert(
                    Subscription(
                        listID: list.id, subscriberID: subscriberID, status: .active,
                        source: "member settings, \(links.url(.accountSubscriptions))", consentedAt: now,
                        confirmedAt: now),
                    now: now, on: db)
                try await repository.unsuppress(
                    emailIndex: repository.keyring.emailIndex(member.email), listID: list.id, on: db)
            }
            if !joining.isEmpty {
                try await consent.record(
                    Set(joining.map(\.purpose)).sorted().map { (id: $0, granted: true) }, subjectID: member.subjectID,
                    method: .subscription, requestID: request.requestID, actor: .member(memberID), on: db)
                try await audit.record(
                    "subscription.join", actor: .member(memberID), subject: member.subjectID,
                    requestID: request.requestID, details: ["lists": joining.map(\.id).joined(separator: ",")], on: db)
            }
            for leaving in current where !listIDs.contains(leaving.listID) {
                try await unsubscribe(
                    subscriberID: subscriberID, listID: leaving.listID, method: "member settings", now: now,
                    request: request, actor: .member(memberID), on: db)
            }
            try await repository.setTags(tags, subscriberID: subscriberID, on: db)
        }
    }

    /// Follows a member's consent decision made elsewhere (registration, privacy settings): giving a mailing
    /// purpose joins its default list (the list whose id is the purpose's), withdrawing it leaves every list of it.
    func followConsent(
        memberID: String, subjectID: String, purpose: String, granted: Bool, request: RequestInfo?,
        on db: any SQLDatabase
    ) async throws {
        let lists = try await repository.lists(on: db).filter { $0.purpose == purpose }
        guard !lists.isEmpty else { return }
        let now = clock.milliseconds
        if granted {
            guard let list = lists.first(where: { $0.id == purpose }) else { return }
            let subscriberID = try await repository.memberSubscriberID(
                memberID: memberID, subjectID: subjectID, now: now, on: db)
            let current = try await repository.subscriptions(subscriberID: subscriberID, on: db)
            guard !current.contains(where: { $0.listID == list.id }) else { return }
            try await repository.upsert(
                Subscription(
                    listID: list.id, subscriberID: subscriberID, status: .active, source: "member consent settings",
                    consentedAt: now, confirmedAt: now),
                now: now, on: db)
        } else if let subscriberID = try await repository.subscriberID(memberID: memberID, on: db) {
            let current = try await repository.subscriptions(subscriberID: subscriberID, on: db)
            for subscription in current where lists.contains(where: { $0.id == subscription.listID }) {
                try await repository.remove(listID: subscription.listID, subscriberID: subscriberID, now: now, on: db)
            }
        }
    }
}

extension String {
    /// nil for an empty string.
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
