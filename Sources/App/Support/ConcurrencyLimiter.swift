/// Runs at most `limit` operations at once and lets at most `queueLimit` more wait; beyond that it refuses at once.
///
/// Used in front of expensive work (bcrypt) so that overload answers quickly instead of queuing without bound.
public actor ConcurrencyLimiter {
    /// Thrown when both the running slots and the queue are full.
    public struct Overloaded: Error {}

    private let limit: Int
    private let queueLimit: Int
    private var running = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Creates a limiter.
    /// - Parameters:
    ///   - limit: Operations allowed at once.
    ///   - queueLimit: Operations allowed to wait for a slot.
    public init(limit: Int, queueLimit: Int) {
        self.limit = max(1, limit)
        self.queueLimit = max(0, queueLimit)
    }

    /// Whether a new operation would be refused now.
    public var isFull: Bool { running >= limit && waiters.count >= queueLimit }

    /// Runs `body` when a slot is free.
    /// - Throws: ``Overloaded`` when the queue is full, or what `body` throws.
    public func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async throws {
        if running < limit {
            running += 1
            return
        }
        guard waiters.count < queueLimit else { throw Overloaded() }
        // The slot is handed over by `release`, which keeps `running` unchanged for us.
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            running -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
