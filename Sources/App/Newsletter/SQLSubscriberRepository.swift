import Foundation
import SQLKit
import Storage
import Vault

/// Lists, subscribers (sealed with their own data keys), subscriptions, tags, confirmations and suppressions.
struct SQLSubscriberRepository: Sendable {
    let database: Database
    let keyring: Keyring

    // MARK: Lists

    func lists(on db: (any SQLDatabase)? = nil) async throws -> [MailingList] {
        try await (db ?? database.sql).select().columns("*").from("mailing_lists").orderBy("created_at")
            .orderBy("name").all().map(Self.decodeList)
    }

    func list(id: String, on db: (any SQLDatabase)? = nil) async throws -> MailingList? {
        try await (db ?? database.sql).select().columns("*").from("mailing_lists").where("id", .equal, id).first()
            .map(Self.decodeList)
    }

    func createList(_ list: MailingList, now: Int64, on db: any SQLDatabase) async throws {
        try await db.insert(into: "mailing_lists")
            .columns("id", "name", "description", "purpose", "visibility", "created_at", "updated_at")
            .values(
                SQLBind(list.id), SQLBind(list.name), SQLBind(list.description), SQLBind(list.purpose),
                SQLBind(list.visibility.rawValue), SQLBind(now), SQLBind(now)
            )
            .run()
    }

    /// Active and pending subscriptions per list.
    func counts() async throws -> [String: (active: Int, pending: Int)] {
        let rows = try await database.sql.raw(
            "SELECT list_id, status, COUNT(*) AS n FROM subscriptions GROUP BY list_id, status"
        ).all()
        var result: [String: (active: Int, pending: Int)] = [:]
        for row in rows {
            let list = try row.decode(column: "list_id", as: String.self)
            let count = try row.decode(column: "n", as: Int.self)
            var entry = result[list] ?? (0, 0)
            if try row.decode(column: "status", as: String.self) == "active" {
                entry.active = count
            } else {
                entry.pending = count
            }
            result[list] = entry
        }
        return result
    }

    // MARK: Subscribers

    /// The subscriber with this address (not members' rows, which hold no address of their own).
    func subscriber(email: String, on db: (any SQLDatabase)? = nil) async throws -> Subscriber? {
        guard
            let row = try await (db ?? database.sql).select().columns("*").from("subscribers")
                .where("email_index", .equal, keyring.emailIndex(email)).first()
        else { return nil }
        return try await open(row, on: db)
    }

    func subscriber(id: String, on db: (any SQLDatabase)? = nil) async throws -> Subscriber? {
        guard
            let row = try await (db ?? database.sql).select().columns("*").from("subscribers").where("id", .equal, id)
                .first()
        else { return nil }
        return try await open(row, on: db)
    }

    /// The id of a member's subscriber row, if they have one.
    func subscriberID(memberID: String, on db: (any SQLDatabase)? = nil) async throws -> String? {
        try await (db ?? database.sql).select().column("id").from("subscribers").where("member_id", .equal, memberID)
            .first()?.decode(column: "id", as: String.self)
    }

    /// Creates a subscriber who is not a member, with a fresh data key.
    func createSubscriber(email: String, name: String?, now: Int64, on db: any SQLDatabase) async throws -> Subscriber {
        let id = Identifier.make()
        let subjectID = Identifier.make()
        let key = try await keyring.create(subject: subjectID, now: now, on: db)
        try await db.insert(into: "subscribers")
            .columns(
                "id", "subject_id", "member_id", "email_index", "email_enc", "name_enc", "created_at", "updated_at"
            )
            .values(
                SQLBind(id), SQLBind(subjectID), SQLBind(String?.none), SQLBind(keyring.emailIndex(email)),
                SQLBind(key.sealColumn(email, "subscribers.email_enc")),
                SQLBind(name.map { key.sealColumn($0, "subscribers.name_enc") }), SQLBind(now), SQLBind(now)
            )
            .run()
        return Subscriber(id: id, subjectID: subjectID, memberID: nil, email: email, name: name, createdAt: now)
    }

    /// A member's subscriber row: it holds no address (the member's own is used when sending), only the link.
    func memberSubscriberID(memberID: String, subjectID: String, now: Int64, on db: any SQLDatabase) async throws
        -> String
    {
        if let id = try await subscriberID(memberID: memberID, on: db) { return id }
        let id = Identifier.make()
        try await db.insert(into: "subscribers")
            .columns(
                "id", "subject_id", "member_id", "email_index", "email_enc", "name_enc", "created_at", "updated_at"
            )
            .values(
                SQLBind(id), SQLBind(subjectID), SQLBind(memberID), SQLBind("member:" + memberID), SQLBind(Data()),
                SQLBind(Data?.none), SQLBind(now), SQLBind(now)
            )
            .run()
        return id
    }

    /// Removes a subscriber who is on no list any more: their key first (nothing stays readable), then the rows.
    func erase(subscriber: Subscriber, on db: any SQLDatabase) async throws {
        if subscriber.memberID == nil {
            try await keyring.destroy(subject: subscriber.subjectID, on: db)
            try await db.delete(from: "consent_records").where("subject_id", .equal, subscriber.subjectID).run()
            try await SQLMailTrackingRepository.delete(subjectIDs: [subscriber.subjectID], on: db)
        }
        try await db.delete(from: "subscriber_tags").where("subscriber_id", .equal, subscriber.id).run()
        try await db.delete(from: "subscription_confirmations").where("subscriber_id", .equal, subscriber.id).run()
        try await db.delete(from: "subscribers").where("id", .equal, subscriber.id).run()
    }

    // MARK: Subscriptions

    func subscriptions(subscriberID: String, on db: (any SQLDatabase)? = nil) async throws -> [Subscription] {
        try await (db ?? database.sql).select().columns("*").from("subscriptions")
            .where("subscriber_id", .equal, subscriberID).all().map(Self.decodeSubscription)
    }

    /// Adds or refreshes a subscription.
    func upsert(_ subscription: Subscription, now: Int64, on db: any SQLDatabase) async throws {
        try await db.delete(from: "subscriptions").where("list_id", .equal, subscription.listID)
            .where("subscriber_id", .equal, subscription.subscriberID).run()
        try await db.insert(into: "subscriptions")
            .columns(
                "list_id", "subscriber_id", "status", "source", "consented_at", "confirmed_at", "created_at",
                "updated_at"
            )
            .values(
                SQLBind(subscription.listID), SQLBind(subscription.subscriberID), SQLBind(subscription.status.rawValue),
                SQLBind(subscription.source), SQLBind(subscription.consentedAt), SQLBind(subscription.confirmedAt),
                SQLBind(now), SQLBind(now)
            )
            .run()
    }

    /// Removes a subscription and drops the subscriber's deliveries of that list still waiting to be sent.
    func remove(listID: String, subscriberID: String, now: Int64, on db: any SQLDatabase) async throws {
        try await db.delete(from: "subscriptions").where("list_id", .equal, listID)
            .where("subscriber_id", .equal, subscriberID).run()
        try await db.raw(
            """
            UPDATE deliveries SET status = 'dropped', last_error = 'unsubscribed', updated_at = \(bind: now)
            WHERE subscriber_id = \(bind: subscriberID) AND status IN ('pending', 'sending')
            AND campaign_id IN (SELECT id FROM campaigns WHERE list_id = \(bind: listID))
            """
        ).run()
    }

    // MARK: Tags

    func tags(subscriberID: String, on db: (any SQLDatabase)? = nil) async throws -> [String] {
        try await (db ?? database.sql).select().column("tag").from("subscriber_tags")
            .where("subscriber_id", .equal, subscriberID).orderBy("tag").all()
            .map { try $0.decode(column: "tag", as: String.self) }
    }

    func setTags(_ tags: [String], subscriberID: String, on db: any SQLDatabase) async throws {
        try await db.delete(from: "subscriber_tags").where("subscriber_id", .equal, subscriberID).run()
        for tag in Set(tags) {
            try await db.insert(into: "subscriber_tags").columns("subscriber_id", "tag")
                .values(SQLBind(subscriberID), SQLBind(tag)).run()
        }
    }

    /// Every tag in use, with how many subscribers chose it.
    func tagCounts() async throws -> [(tag: String, count: Int)] {
        try await database.sql.raw(
            "SELECT tag, COUNT(*) AS n FROM subscriber_tags GROUP BY tag ORDER BY tag"
        ).all().map { (try $0.decode(column: "tag", as: String.self), try $0.decode(column: "n", as: Int.self)) }
    }

    // MARK: Double opt-in

    /// Stores a confirmation link's hash; returns the token for the link.
    func issueConfirmation(subscriberID: String, listID: String, expiresAt: Int64, now: Int64, on db: any SQLDatabase)
        async throws -> String
    {
        let token = Token.generate()
        try await db.insert(into: "subscription_confirmations")
            .columns("token_hash", "subscriber_id", "list_id", "expires_at", "used_at", "created_at")
            .values(
                SQLBind(Token.hash(token)), SQLBind(subscriberID), SQLBind(listID), SQLBind(expiresAt),
                SQLBind(Int64?.none), SQLBind(now)
            )
            .run()
        return token
    }

    /// Uses a confirmation token once; nil when unknown, used or expired.
    func consumeConfirmation(_ token: String, now: Int64, on db: any SQLDatabase) async throws -> (
        subscriberID: String, listID: String
    )? {
        let hash = Token.hash(token)
        guard
            let row = try await db.select().columns("subscriber_id", "list_id", "expires_at", "used_at")
                .from("subscription_confirmations").where("token_hash", .equal, hash).first(),
            try row.decodeNil(column: "used_at"), try row.decode(column: "expires_at", as: Int64.self) > now
        else { return nil }
        try await db.update("subscription_confirmations").set("used_at", to: now).where("token_hash", .equal, hash)
            .run()
        return (
            try row.decode(column: "subscriber_id", as: String.self), try row.decode(column: "list_id", as: String.self)
        )
    }

    // MARK: Suppression

    /// Whether the address may not be mailed on this list (or on any).
    func isSuppressed(emailIndex: String, listID: String, on db: (any SQLDatabase)? = nil) async throws -> Bool {
        try await (db ?? database.sql).select().column("list_id").from("suppressions")
            .where("email_index", .equal, emailIndex)
            .where { $0.where("list_id", .equal, listID).orWhere("list_id", .equal, "*") }
            .first() != nil
    }

    func suppress(
        emailIndex: String, listID: String, reason: String, detail: String?, now: Int64, on db: any SQLDatabase
    )
        async throws
    {
        try await db.delete(from: "suppressions").where("email_index", .equal, emailIndex)
            .where("list_id", .equal, listID).run()
        try await db.insert(into: "suppressions")
            .columns("email_index", "list_id", "reason", "detail", "created_at")
            .values(SQLBind(emailIndex), SQLBind(listID), SQLBind(reason), SQLBind(detail), SQLBind(now))
            .run()
    }

    /// Lifts a list's suppression after the person subscribed again themselves (a fresh, confirmed consent).
    func unsuppress(emailIndex: String, listID: String, on db: any SQLDatabase) async throws {
        try await db.delete(from: "suppressions").where("email_index", .equal, emailIndex)
            .where("list_id", .equal, listID).run()
    }

    func suppressionCounts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try await database.sql.raw("SELECT reason, COUNT(*) AS n FROM suppressions GROUP BY reason").all() {
            counts[try row.decode(column: "reason", as: String.self)] = try row.decode(column: "n", as: Int.self)
        }
        return counts
    }

    // MARK: Export

    /// The list's active subscribers with their subscription details, opened (for the CSV export).
    func export(listID: String) async throws -> [(subscriber: Subscriber, subscription: Subscription, tags: [String])] {
        let rows = try await database.sql.raw(
            """
            SELECT s.id, s.subject_id, s.member_id, s.email_enc, s.name_enc, s.created_at, k.wrapped_key,
                   m.email_enc AS member_email_enc, m.name_enc AS member_name_enc,
                   p.status, p.source, p.consented_at, p.confirmed_at
            FROM subscriptions p
            JOIN subscribers s ON s.id = p.subscriber_id
            JOIN data_keys k ON k.subject_id = s.subject_id
            LEFT JOIN members m ON m.id = s.member_id
            WHERE p.list_id = \(bind: listID) AND p.status = 'active'
            ORDER BY p.created_at, s.id
            """
        ).all()
        var tagsBySubscriber: [String: [String]] = [:]
        for row in try await database.sql.raw(
            """
            SELECT t.subscriber_id, t.tag FROM subscriber_tags t
            JOIN subscriptions p ON p.subscriber_id = t.subscriber_id AND p.list_id = \(bind: listID)
            ORDER BY t.tag
            """
        ).all() {
            tagsBySubscriber[try row.decode(column: "subscriber_id", as: String.self), default: []].append(
                try row.decode(column: "tag", as: String.self))
        }
        var result: [(Subscriber, Subscription, [String])] = []
        for row in rows {
            let recipient = try RecipientRow(row: row, master: keyring.master)
            guard let subscriber = recipient.subscriber else { continue }
            result.append(
                (
                    subscriber,
                    Subscription(
                        listID: listID, subscriberID: subscriber.id, status: .active,
                        source: try row.decode(column: "source", as: String.self),
                        consentedAt: try row.decode(column: "consented_at", as: Int64.self),
                        confirmedAt: try row.decode(column: "confirmed_at", as: Int64?.self)),
                    tagsBySubscriber[subscriber.id] ?? []
                ))
        }
        return result
    }

    // MARK: Decoding

    private func open(_ row: any SQLRow, on db: (any SQLDatabase)?) async throws -> Subscriber? {
        let subjectID = try row.decode(column: "subject_id", as: String.self)
        guard let key = try await keyring.key(for: subjectID, on: db) else { return nil }
        let memberID = try row.decode(column: "member_id", as: String?.self)
        var email = ""
        var name: String?
        if let memberID {
            if let member = try await (db ?? database.sql).select().columns("email_enc", "name_enc").from("members")
                .where("id", .equal, memberID).first()
            {
                email = try key.openColumn(try member.decode(column: "email_enc", as: Data.self), "members.email_enc")
                name = try key.openColumn(try member.decode(column: "name_enc", as: Data.self), "members.name_enc")
            }
        } else {
            email = try key.openColumn(try row.decode(column: "email_enc", as: Data.self), "subscribers.email_enc")
            name = try row.decode(column: "name_enc", as: Data?.self).map {
                try key.openColumn($0, "subscribers.name_enc")
            }
        }
        return Subscriber(
            id: try row.decode(column: "id", as: String.self), subjectID: subjectID, memberID: memberID, email: email,
            name: name, createdAt: try row.decode(column: "created_at", as: Int64.self))
    }

    private static func decodeList(_ row: any SQLRow) throws -> MailingList {
        MailingList(
            id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
            description: try row.decode(column: "description", as: String.self),
            purpose: try row.decode(column: "purpose", as: String.self),
            visibility: MailingList.Visibility(rawValue: try row.decode(column: "visibility", as: String.self))
                ?? .private)
    }

    private static func decodeSubscription(_ row: any SQLRow) throws -> Subscription {
        Subscription(
            listID: try row.decode(column: "list_id", as: String.self),
            subscriberID: try row.decode(column: "subscriber_id", as: String.self),
            status: Subscription.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending,
            source: try row.decode(column: "source", as: String.self),
            consentedAt: try row.decode(column: "consented_at", as: Int64.self),
            confirmedAt: try row.decode(column: "confirmed_at", as: Int64?.self))
    }
}

/// A subscriber row joined with its wrapped data key (and the member's sealed fields for members), opened with
/// the master key alone: used where many recipients are read at once.
struct RecipientRow: Sendable {
    /// The opened subscriber; nil when their key was destroyed or their member row is gone.
    let subscriber: Subscriber?
    /// The opened data key.
    let key: DataKey?

    init(row: any SQLRow, master: MasterKey) throws {
        let subjectID = try row.decode(column: "subject_id", as: String.self)
        let wrapped = try row.decode(column: "wrapped_key", as: Data?.self)
        guard let wrapped, let key = try? master.unwrap(Array(wrapped), subject: subjectID) else {
            self.subscriber = nil
            self.key = nil
            return
        }
        self.key = key
        let memberID = try row.decode(column: "member_id", as: String?.self)
        let email: String
        let name: String?
        if memberID != nil {
            guard let sealed = try row.decode(column: "member_email_enc", as: Data?.self) else {
                self.subscriber = nil
                return
            }
            email = try key.openColumn(sealed, "members.email_enc")
            name = try row.decode(column: "member_name_enc", as: Data?.self).map {
                try key.openColumn($0, "members.name_enc")
            }
        } else {
            email = try key.openColumn(try row.decode(column: "email_enc", as: Data.self), "subscribers.email_enc")
            name = try row.decode(column: "name_enc", as: Data?.self).map {
                try key.openColumn($0, "subscribers.name_enc")
            }
        }
        self.subscriber = Subscriber(
            id: try row.decode(column: "id", as: String.self), subjectID: subjectID, memberID: memberID, email: email,
            name: name, createdAt: try row.decode(column: "created_at", as: Int64.self))
    }
}
