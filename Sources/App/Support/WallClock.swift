import Foundation
import Synchronization

/// The time, injected everywhere so expiries, deadlines and retention can be tested.
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> Date
}

extension WallClock {
    /// The current time in milliseconds since 1970, as stored in the database.
    public var milliseconds: Int64 { Int64((now().timeIntervalSince1970 * 1000).rounded()) }
}

/// The system's clock.
public struct SystemWallClock: WallClock {
    /// Creates the system clock.
    public init() {}

    public func now() -> Date { Date() }
}

/// A clock that tests set and advance by hand.
public final class FakeWallClock: WallClock {
    private let current: Mutex<Date>

    /// Creates a fake clock at `start`.
    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    /// Moves the clock forward.
    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
