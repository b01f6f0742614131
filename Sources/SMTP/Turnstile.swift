import Synchronization

/// Lets one task at a time through; the others wait in arrival order.
///
/// Keeps the commands of concurrent `send` calls on one connection from interleaving.
final class Turnstile: Sendable {
    /// Whether a task is inside, and who waits.
    private struct State {
        /// Whether a task holds the turnstile.
        var isOccupied = false
        /// Tasks waiting to enter, oldest first.
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// The guarded state.
    private let state = Mutex(State())

    /// Waits until no other task is inside, then enters. Every `enter()` needs exactly one `leave()`.
    /// - Parameter isolation: Where the caller runs; it stays there.
    func enter(isolation: isolated (any Actor)? = #isolation) async {
        await withCheckedContinuation(isolation: isolation) { (continuation: CheckedContinuation<Void, Never>) in
            let entered = state.withLock { state in
                if state.isOccupied {
                    state.waiters.append(continuation)
                    return false
                }
                state.isOccupied = true
                return true
            }
            if entered {
                continuation.resume()
            }
        }
    }

    /// Leaves, letting the longest-waiting task in.
    func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.isOccupied = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
