import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Dedicated threads for CPU-heavy work (bcrypt) that run at a lower scheduling priority than the event loops,
/// so pages keep answering quickly while sign-ins saturate the CPU.
///
/// One pool per process, one thread per core. Work waits in a queue; callers suspend, no thread is blocked.
public final class LowPriorityWorkers: @unchecked Sendable {
    /// The process's pool.
    public static let shared = LowPriorityWorkers(threads: ProcessInfo.processInfo.activeProcessorCount, nice: 10)

    // Guarded by `condition`.
    private var queue: [@Sendable () -> Void] = []
    private let condition = NSCondition()

    init(threads: Int, nice: Int32) {
        for index in 0..<max(1, threads) {
            let thread = Thread { [self] in
                #if canImport(Glibc)
                    // On Linux the nice value is per thread, and `who` 0 names the calling thread only.
                    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
                #endif
                self.loop()
            }
            thread.name = "steward-bcrypt-\(index)"
            thread.start()
        }
    }

    /// Runs `work` on one of the pool's threads.
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            condition.lock()
            queue.append { continuation.resume(returning: work()) }
            condition.signal()
            condition.unlock()
        }
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let work = queue.removeFirst()
            condition.unlock()
            work()
        }
    }
}
