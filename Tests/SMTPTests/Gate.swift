import Synchronization

/// Holds actions back until a number of them have arrived, then runs them all (and any later one at once).
///
/// Lets a `ScriptedServer` prove concurrency: a reply held at a gate for three arrivals only goes out when three
/// transactions are in flight at the same time.
final class Gate: Sendable {
    /// Arrivals still missing, and the actions waiting for them.
    private let state: Mutex<(missing: Int, waiting: [@Sendable () -> Void])>

    /// Creates a gate that opens at the `count`-th arrival.
    init(count: Int) {
        state = Mutex((count, []))
    }

    /// Registers an arrival; runs `action` when the gate is or becomes open, together with the held ones.
    func arrive(_ action: @escaping @Sendable () -> Void) {
        let ready = state.withLock { state -> [@Sendable () -> Void] in
            state.missing -= 1
            guard state.missing <= 0 else {
                state.waiting.append(action)
                return []
            }
            defer { state.waiting.removeAll() }
            return state.waiting + [action]
        }
        for action in ready {
            action()
        }
    }
}
