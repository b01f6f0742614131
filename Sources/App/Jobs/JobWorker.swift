import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Storage
import Vault

/// Something a job does. Handlers must be idempotent: a job can run again after a crash.
protocol JobHandler: Sendable {
    /// Does the work.
    /// - Throws: ``JobError/retryable(_:)`` to try again later, anything else fails the job for good.
    func run(payload: String, logger: Logger) async throws
}

/// How a job failed.
enum JobError: Error {
    /// Try again later (with backoff).
    case retryable(String)
    /// Give up.
    case permanent(String)
}

/// Runs jobs from the durable queue until shutdown; finishes the job in hand before stopping.
struct JobWorker: Service {
    let queue: SQLJobQueue
    let handlers: [String: any JobHandler]
    let clock: any WallClock
    let logger: Logger
    /// First retry delay; each further retry doubles it, up to an hour.
    var firstRetryDelay: TimeInterval = 5
    /// Idle wait between polls when the queue is empty.
    var pollInterval: Duration = .milliseconds(250)
    let workerID = Identifier.make()

    func run() async throws {
        logger.info("job worker started", metadata: ["worker.id": "\(workerID)"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let didWork: Bool
            do {
                didWork = try await runOne()
            } catch {
                logger.error("job queue unavailable", metadata: ["error": "\(error)"])
                didWork = false
            }
            if !didWork {
                try? await Task.sleep(for: pollInterval)
            }
        }
        logger.info("job worker stopped")
    }

    /// Claims and runs one job.
    /// - Returns: Whether there was a job.
    @discardableResult
    func runOne() async throws -> Bool {
        let now = clock.milliseconds
        guard let job = try await queue.claim(worker: workerID, now: now, leaseMilliseconds: 5 * 60 * 1000) else {
            return false
        }
        var jobLogger = logger
        jobLogger[metadataKey: "job.id"] = "\(job.id)"
        jobLogger[metadataKey: "job.kind"] = "\(job.kind)"
        guard let handler = handlers[job.kind] else {
            try await queue.fail(id: job.id, reason: "no handler for \(job.kind)", now: clock.milliseconds)
            return true
        }
        let started = ContinuousClock.now
        do {
            try await handler.run(payload: job.payload, logger: jobLogger)
            try await queue.complete(id: job.id, now: clock.milliseconds)
            Counter(label: "steward_jobs_total", dimensions: [("kind", job.kind), ("outcome", "done")]).increment()
        } catch JobError.retryable(let reason) where job.attempts < job.maxAttempts {
            let delay = min(3600, firstRetryDelay * pow(2, Double(job.attempts - 1)))
            try await queue.retry(
                id: job.id, reason: reason, runAt: clock.milliseconds + Int64(delay * 1000), now: clock.milliseconds)
            jobLogger.notice("job will retry", metadata: ["job.attempts": "\(job.attempts)", "retry.in": "\(delay)"])
            Counter(label: "steward_jobs_total", dimensions: [("kind", job.kind), ("outcome", "retry")]).increment()
        } catch {
            try await queue.fail(id: job.id, reason: "\(error)", now: clock.milliseconds)
            jobLogger.error("job failed", metadata: ["job.attempts": "\(job.attempts)", "error": "\(error)"])
            Counter(label: "steward_jobs_total", dimensions: [("kind", job.kind), ("outcome", "failed")]).increment()
        }
        let elapsed = ContinuousClock.now - started
        Timer(label: "steward_job_duration_seconds", dimensions: [("kind", job.kind)]).recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return true
    }
}
