import Foundation
import HummingbirdBcrypt
import Synchronization

// Verifies one bcrypt hash in a loop on N threads for D seconds and prints the rate, the ceiling Steward's
// sign-ins are compared with. Usage: bcrypt-loop [threads (default: cores)] [seconds (default 20)] [cost (default 12)]
let arguments = CommandLine.arguments.dropFirst().map { Int($0) }
guard arguments.allSatisfy({ ($0 ?? 0) > 0 }) else {
    FileHandle.standardError.write(Data("usage: bcrypt-loop [threads] [seconds] [cost]\n".utf8))
    exit(2)
}
let threadCount = arguments.count > 0 ? arguments[0]! : ProcessInfo.processInfo.activeProcessorCount
let seconds = arguments.count > 1 ? arguments[1]! : 20
let cost = UInt8(arguments.count > 2 ? arguments[2]! : 12)

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
