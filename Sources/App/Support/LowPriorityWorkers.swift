import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Dedicated threads for CPU-heavy work (bcrypt) that run at the lowest scheduling priority (SCHED_IDLE),
/// so pages keep answering quickly while sign-ins saturate the CPU.
///
/// One pool per process, one thread per core. Work waits in a queue; callers suspend, no thread is blocked.
public final class LowPriorityWorkers: @unchecked Sendable {
    /// Linux's SCHED_IDLE policy (glibc declares it only for _GNU_SOURCE, which Swift's Glibc module does not set).
    private let schedIdle: Int32 = 5

    /// The process's pool.
    public static let shared = LowPriorityWorkers(threads: ProcessInfo.processInfo.activeProcessorCount, nice: 10)

    // Guarded by `condition`.
    private var queue: [@Sendable () -> Void] = []
    private let condition = NSCondition()

    init(threads: Int, nice: Int32) {
        for index in 0..<max(1, threads) {
            let thread = Thread { [self] in
                #if canImport(Glibc)
                    // SCHED_IDLE: the scheduler runs these threads only when no ordinary thread wants the core, and
                    // an event loop that wakes up preempts them at once. Where that is refused, a higher nice value
                    // (per thread on Linux: `who` 0 names the calling thread) is the fallback.
                    var parameters = sched_param()
                    if pthread_setschedparam(pthread_self(), schedIdle, &parameters) != 0 {
                        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
                    }
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
