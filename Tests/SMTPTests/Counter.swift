import Synchronization

/// A thread-safe counter for scripts that act on the n-th occurrence of something.
final class Counter: Sendable {
    /// The guarded count.
    private let count = Mutex(0)

    /// Adds one.
    /// - Returns: The new count.
    func increment() -> Int {
        count.withLock { count in
            count += 1
            return count
        }
    }
}
