import Foundation
import HummingbirdBcrypt
import Synchronization

// Verifies one bcrypt hash in a loop on N threads for D seconds and prints the rate, the ceiling Steward's
// sign-ins are compared with. Usage: bcrypt-loop [threads (default: cores)] [seconds (default 20)] [cost (default 12)]
let given = CommandLine.arguments.dropFirst().compactMap { Int($0) }.filter { $0 > 0 }
let arguments = given + [ProcessInfo.processInfo.activeProcessorCount, 20, 12].dropFirst(given.count)
guard given.count == CommandLine.arguments.count - 1, arguments.count == 3, (4...31).contains(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: bcrypt-loop [threads] [seconds] [cost 4…31]\n".utf8))
    exit(2)
}
let threadCount = arguments[0]
let seconds = arguments[1]
let cost = UInt8(arguments[2])

// Steward verifies the base64 SHA-256 of the password (44 ASCII characters); use an input of the same length.
let password = String(repeating: "p", count: 44)
let hash = Bcrypt.hash(password, cost: cost)

/// What the threads report back: verifies done, and when the last one finished.
struct Tally: Sendable {
    /// Verifies completed before the deadline passed (the last one may end after it).
    var verifies = 0
    /// Verifies that answered false, which would mean a broken benchmark.
    var failures = 0
    /// When the slowest thread finished its last verify.
    var finished = ContinuousClock.now
}

let tally = Mutex(Tally())
let done = DispatchGroup()
let start = ContinuousClock.now
let deadline = start + .seconds(seconds)
for _ in 0..<threadCount {
    done.enter()
    let thread = Thread {
        var verifies = 0
        var failures = 0
        while ContinuousClock.now < deadline {
            if !Bcrypt.verify(password, hash: hash) { failures += 1 }
            verifies += 1
        }
        let now = ContinuousClock.now
        tally.withLock {
            $0.verifies += verifies
            $0.failures += failures
            $0.finished = max($0.finished, now)
        }
        done.leave()
    }
    thread.stackSize = 1 << 20
    thread.start()
}
done.wait()

let result = tally.withLock { $0 }
let elapsed = result.finished - start
let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
guard result.failures == 0 else {
    FileHandle.standardError.write(Data("bcrypt-loop: \(result.failures) verifies answered false\n".utf8))
    exit(1)
}
print(
    "threads=\(threadCount) cost=\(cost) verifies=\(result.verifies) seconds=\(String(format: "%.2f", elapsedSeconds))"
        + " verifies_per_second=\(String(format: "%.2f", Double(result.verifies) / elapsedSeconds))")
