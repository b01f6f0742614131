import Foundation
import Logging
import Policy
import SQLKit
import ServiceLifecycle
import Storage
import Synchronization

/// One analytics event as stored: dimensions only, never an IP address.
struct StoredEvent: Sendable, Equatable {
    var occurredAt: Int64
    var kind: String
    var host: String
    var path: String
    var source: String
    var referrerHost: String
    var utmSource: String
    var utmMedium: String
    var utmCampaign: String
    var browser: String
    var browserVersion: String
    var os: String
    var osVersion: String
    var device: String
    /// ISO 3166-1 alpha-2 code from the GeoIP file, or "" without one.
    var country: String = ""
    var screenWidth: Int?
    var visitor: String
    var durationMS: Int?
    var link: String?
    var name: String?
    var properties: String?
}

/// Takes accepted events into a bounded buffer and writes them in batches.
///
/// When the buffer is full, ``accept(_:)`` says no and the endpoint answers 503 with Retry-After instead of growing
/// memory. After ``close()`` (a graceful stop), events are written one by one before they are acknowledged, so no
/// event answered 202 is lost.
final class EventIngestor: Sendable {
    /// Events buffered at most.
    let capacity: Int
    /// Events per INSERT statement.
    static let batchSize = 300

    private let database: Database
    private let state = Mutex<(events: [StoredEvent], closed: Bool)>(([], false))
    private let writing = Mutex(false)

    init(database: Database, capacity: Int = 50_000) {
        self.database = database
        self.capacity = capacity
    }

    /// Buffers an event; false when the buffer is full (the caller answers 503).
    func accept(_ event: StoredEvent) async throws -> Bool {
        let outcome = state.withLock { state -> Bool? in
            if state.closed { return nil }
            guard state.events.count < capacity else { return false }
            state.events.append(event)
            return true
        }
        guard let outcome else {
            try await write([event])
            return true
        }
        return outcome
    }

    /// Events waiting to be written.
    var buffered: Int { state.withLock { $0.events.count } }

    /// Writes everything buffered.
    func flush() async throws {
        let events = state.withLock { state in
            defer { state.events.removeAll(keepingCapacity: true) }
            return state.events
        }
        guard !events.isEmpty else { return }
        do {
            try await write(events)
        } catch {
            // Put them back in front, so a passing database error loses nothing.
            state.withLock { $0.events.insert(contentsOf: events, at: 0) }
            throw error
        }
    }

    /// Deletes raw events older than the policy's retention (`analytics.rawEventRetentionDays`), in bounded batches.
    /// - Returns: How many were deleted.
    @discardableResult
    func deleteExpired(retentionDays: Int, now: Int64) async throws -> Int {
        let cutoff = now - Int64(retentionDays) * 86_400_000
        var deleted = 0
        while true {
            let rows = try await database.sql.raw(
                """
                DELETE FROM analytics_events WHERE id IN (
                    SELECT id FROM analytics_events WHERE occurred_at < \(bind: cutoff) LIMIT 5000)
                RETURNING id
                """
            ).all()
            deleted += rows.count
            if rows.count < 5000 { return deleted }
        }
    }

    /// Stops buffering: from now on events are written before they are acknowledged. Flushes what was buffered.
    func close() async throws {
        state.withLock { $0.closed = true }
        try await flush()
    }

    private func write(_ events: [StoredEvent]) async throws {
        try await database.transaction { db in
            for start in stride(from: 0, to: events.count, by: Self.batchSize) {
                var insert = db.insert(into: "analytics_events").columns(
                    "occurred_at", "day", "kind", "host", "path", "source", "referrer_host", "utm_source", "utm_medium",
                    "utm_campaign", "browser", "browser_version", "os", "os_version", "device", "country",
                    "screen_width",
                    "visitor", "duration_ms", "link", "name", "properties")
                for event in events[start..<min(start + Self.batchSize, events.count)] {
                    insert = insert.values(
                        SQLBind(event.occurredAt), SQLBind(DailySalt.day(of: event.occurredAt)), SQLBind(event.kind),
                        SQLBind(event.host), SQLBind(event.path), SQLBind(event.source), SQLBind(event.referrerHost),
                        SQLBind(event.utmSource), SQLBind(event.utmMedium), SQLBind(event.utmCampaign),
                        SQLBind(event.browser), SQLBind(event.browserVersion), SQLBind(event.os),
                        SQLBind(event.osVersion), SQLBind(event.device), SQLBind(event.country),
                        SQLBind(event.screenWidth),
                        SQLBind(event.visitor), SQLBind(event.durationMS), SQLBind(event.link), SQLBind(event.name),
                        SQLBind(event.properties))
                }
                try await insert.run()
            }
        }
    }
}

/// Flushes the analytics buffer twice a second; on a graceful stop, closes it and writes what is left.
struct EventIngestService: Service {
    let ingestor: EventIngestor
    let state: PolicyState
    let clock: any WallClock
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastSweep: Int64 = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                do {
                    try await ingestor.flush()
                    // Raw events past the policy's retention go once an hour.
                    let now = clock.milliseconds
                    if now - lastSweep >= 3_600_000 {
                        lastSweep = now
                        let days = state.current.policy.analytics.rawEventRetentionDays
                        try await ingestor.deleteExpired(retentionDays: days, now: now)
                    }
                } catch {
                    logger.error("could not write analytics events", metadata: ["error": "\(error)"])
                }
            }
        }
        try await ingestor.close()
    }
}
