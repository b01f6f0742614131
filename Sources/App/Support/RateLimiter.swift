import Foundation

/// Fixed-window counters per key (an IP address, an account), in memory.
///
/// An actor, so concurrent attempts are counted exactly: the tenth parallel request sees the nine before it.
/// - Important: Counters are per instance; with several instances behind a balancer each keeps its own.
public actor RateLimiter {
    /// A refusal, with how long to wait.
    public struct Limited: Error {
        /// Seconds until the window resets.
        public let retryAfter: Int
    }

    private let limit: Int
    private let window: TimeInterval
    private let clock: any WallClock
    private var windows: [String: (start: Date, count: Int)] = [:]
    private var lastSweep = Date.distantPast

    /// Creates a limiter allowing `limit` events per key every `window` seconds.
    public init(limit: Int, window: TimeInterval, clock: any WallClock) {
        self.limit = limit
        self.window = window
        self.clock = clock
    }

    /// Counts one event for each key; throws when any key is over its limit (nothing is counted then).
    /// - Throws: ``Limited``.
    public func hit(_ keys: [String]) throws {
        let now = clock.now()
        sweep(now: now)
        for key in keys {
            if let entry = windows[key], now.timeIntervalSince(entry.start) < window, entry.count >= limit {
                let wait = window - now.timeIntervalSince(entry.start)
                throw Limited(retryAfter: max(1, Int(wait.rounded(.up))))
            }
        }
        for key in keys {
            if let entry = windows[key], now.timeIntervalSince(entry.start) < window {
                windows[key] = (entry.start, entry.count + 1)
            } else {
                windows[key] = (now, 1)
            }
        }
    }

    /// Forgets a key (after a successful sign-in, for example).
    public func reset(_ key: String) {
        windows[key] = nil
    }

    private func sweep(now: Date) {
        guard now.timeIntervalSince(lastSweep) > window else { return }
        lastSweep = now
        windows = windows.filter { now.timeIntervalSince($0.value.start) < window }
    }
}
