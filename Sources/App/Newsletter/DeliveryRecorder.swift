import Foundation
import SQLKit
import Storage

/// The outcome of one delivery attempt.
enum DeliveryResult: Sendable {
    /// The relay accepted the message.
    case sent(Int64)
    /// A 4xx answer or a broken connection: try again later (or give up after the configured time).
    case deferred(Int64, attempts: Int, firstAt: Int64, reason: String)
    /// A 5xx answer: the address is suppressed as a hard bounce.
    case bounced(Int64, subscriberID: String, reason: String)
    /// The message could not be built (a malformed address): failed, nothing sent.
    case failed(Int64, reason: String)
    /// Not sent: unsubscribed, suppressed, no consent, or erased.
    case dropped(Int64, reason: String)
}

/// Commits delivery outcomes in groups: every caller waits until its outcome is durable, while outcomes that
/// arrive during a commit are written together in the next one.
actor DeliveryRecorder {
    private let database: Database
    private let subscriptions: SubscriptionService
    private let listID: String
    private let campaignID: String
    private let settings: MailingSettings
    private var pending: [DeliveryResult] = []
    private var waiters: [CheckedContinuation<Void, any Error>] = []
    private var flushing = false

    init(
        database: Database, subscriptions: SubscriptionService, listID: String, campaignID: String,
        settings: MailingSettings
    ) {
        self.database = database
        self.subscriptions = subscriptions
        self.listID = listID
        self.campaignID = campaignID
        self.settings = settings
    }

    /// Records an outcome and returns once it is committed.
    func record(_ result: DeliveryResult) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pending.append(result)
            waiters.append(continuation)
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while !pending.isEmpty {
            let batch = pending
            let batchWaiters = waiters
            pending = []
            waiters = []
            do {
                try await write(batch)
                for waiter in batchWaiters { waiter.resume() }
            } catch {
                for waiter in batchWaiters { waiter.resume(throwing: error) }
            }
        }
        flushing = false
    }

    /// Writes a group of outcomes in one transaction.
    private func write(_ batch: [DeliveryResult]) async throws {
        let now = subscriptions.clock.milliseconds
        var sentIDs: [Int64] = []
        var rest: [DeliveryResult] = []
        for result in batch {
            if case .sent(let id) = result { sentIDs.append(id) } else { rest.append(result) }
        }
        let sent = sentIDs
        let others = rest
        let settings = settings
        let subscriptions = subscriptions
        let listID = listID
        let campaignID = campaignID
        if others.isEmpty {
            // The common case, messages accepted: one statement, committed on its own.
            try await database.sql.raw(
                """
                UPDATE deliveries SET status = 'sent', sent_at = \(bind: now), attempts = attempts + 1,
                    claimed_by = NULL, updated_at = \(bind: now)
                WHERE id IN (\(SQLList(sent.map { SQLBind($0) })))
                """
            ).run()
            return
        }
        try await database.transaction { db in
            if !sent.isEmpty {
                try await db.raw(
                    """
                    UPDATE deliveries SET status = 'sent', sent_at = \(bind: now), attempts = attempts + 1,
                        claimed_by = NULL, updated_at = \(bind: now)
                    WHERE id IN (\(SQLList(sent.map { SQLBind($0) })))
                    """
                ).run()
            }
            for result in others {
                switch result {
                case .sent:
                    break
                case .deferred(let id, let attempts, let firstAt, let reason):
                    if now - firstAt >= settings.giveUpAfter {
                        try await Self.finish(
                            id, status: "failed", reason: "gave up after retries: " + reason, now: now, on: db)
                    } else {
                        let delay = min(
                            settings.retryMaxDelay,
                            settings.retryFirstDelay * Int64(1 << min(max(attempts - 1, 0), 20)))
                        try await db.raw(
                            """
                            UPDATE deliveries SET status = 'pending', attempts = \(bind: attempts),
                                next_attempt_at = \(bind: now + delay), last_error = \(bind: reason),
                                claimed_by = NULL, claimed_at = NULL, updated_at = \(bind: now)
                            WHERE id = \(bind: id)
                            """
                        ).run()
                    }
                case .bounced(let id, let subscriberID, let reason):
                    try await Self.finish(id, status: "failed", reason: "hard bounce: " + reason, now: now, on: db)
                    try await subscriptions.unsubscribe(
                        subscriberID: subscriberID, listID: listID, method: "hard bounce in campaign \(campaignID)",
                        now: now, request: nil, actor: .system,
                        suppression: (reason: "hard_bounce", listID: "*", detail: reason), on: db)
                case .failed(let id, let reason):
                    try await Self.finish(id, status: "failed", reason: reason, now: now, on: db)
                case .dropped(let id, let reason):
                    try await Self.finish(id, status: "dropped", reason: reason, now: now, on: db)
                }
            }
        }
    }

    private static func finish(_ id: Int64, status: String, reason: String, now: Int64, on db: any SQLDatabase)
        async throws
    {
        try await db.raw(
            """
            UPDATE deliveries SET status = \(bind: status), last_error = \(bind: reason), attempts = attempts + 1,
                claimed_by = NULL, updated_at = \(bind: now)
            WHERE id = \(bind: id)
            """
        ).run()
    }

    /// A relay's answer without any e-mail address in it (answers often quote the recipient).
    static func redact(_ text: String) -> String {
        let words = text.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
            word.contains("@") ? "<address>" : String(word)
        }
        return String(words.joined(separator: " ").prefix(300))
    }
}

/// Paces sending to the configured messages per second and per hour.
actor SendRate {
    private let perSecond: Int
    private let perHour: Int
    private var secondStart = ContinuousClock.now
    private var inSecond = 0
    private var hourTimes: [ContinuousClock.Instant] = []

    /// Whether any limit is set (when not, senders need not ask).
    nonisolated let isLimited: Bool

    init(perSecond: Int, perHour: Int) {
        self.perSecond = perSecond
        self.perHour = perHour
        self.isLimited = perSecond > 0 || perHour > 0
    }

    /// Waits until one more message may go.
    func acquire() async {
        guard isLimited else { return }
        while true {
            let now = ContinuousClock.now
            if now - secondStart >= .seconds(1) {
                secondStart = now
                inSecond = 0
            }
            hourTimes.removeAll { now - $0 >= .seconds(3600) }
            let secondFull = perSecond > 0 && inSecond >= perSecond
            let hourFull = perHour > 0 && hourTimes.count >= perHour
            if !secondFull && !hourFull {
                inSecond += 1
                if perHour > 0 { hourTimes.append(now) }
                return
            }
            let wait =
                hourFull
                ? (hourTimes.first.map { $0 + .seconds(3600) - now } ?? .seconds(1)) : secondStart + .seconds(1) - now
            try? await Task.sleep(for: max(wait, .milliseconds(1)))
        }
    }
}
