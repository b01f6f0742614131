/// An asynchronous mutex: waiters suspend instead of blocking a thread.
actor WriterLock {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Waits until the lock is free, then holds it.
    func lock() async {
        if !locked {
            locked = true
            return
        }
        // The lock is handed over by `unlock`, which leaves `locked` set for us.
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Releases the lock (to the next waiter, if any).
    func unlock() {
        if waiters.isEmpty {
            locked = false
        } else {
            waiters.removeFirst().resume()
        }
    }

}
