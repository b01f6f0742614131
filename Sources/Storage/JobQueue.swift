import Foundation
import SQLKit

/// A job claimed by a worker.
public struct ClaimedJob: Sendable, Equatable {
    /// The job's id.
    public let id: String
    /// What to do: the handler's name, e.g. `mail.deliver`.
    public let kind: String
    /// The handler's input, JSON text with references only (never personal data).
    public let payload: String
    /// Attempts so far, this one included.
    public let attempts: Int
    /// Attempts allowed before the job fails for good.
    public let maxAttempts: Int
    /// When the job was first enqueued (milliseconds since 1970); bounds total retry time.
    public let firstEnqueuedAt: Int64
}

/// Counts of jobs by status, for the console and `/metrics`.
public struct JobCounts: Sendable, Equatable {
    /// Waiting to run (including retries not yet due).
    public var pending = 0
    /// Claimed by a worker now.
    public var running = 0
    /// Finished.
    public var done = 0
    /// Given up.
    public var failed = 0

    /// Creates counts (all zero by default).
    public init(pending: Int = 0, running: Int = 0, done: Int = 0, failed: Int = 0) {
        self.pending = pending
        self.running = running
        self.done = done
        self.failed = failed
    }
}

/// The durable job queue in the `jobs` table.
///
/// A claimed job carries a lease; when its worker dies the lease expires and another worker claims it again,
/// so every job runs at least once and handlers must be idempotent. On PostgreSQL many workers claim
/// concurrently with `FOR UPDATE SKIP LOCKED`; on SQLite one statement claims atomically.
public struct SQLJobQueue: Sendable {
    private let database: Database

    /// Creates a queue over a database.
    public init(database: Database) {
        self.database = database
    }

    /// Adds a job.
    /// - Parameters:
    ///   - kind: The handler's name.
    ///   - payload: JSON text with references only.
    ///   - runAt: Earliest time to run (milliseconds since 1970).
    ///   - maxAttempts: Attempts before the job fails for good.
    ///   - now: The current time (milliseconds since 1970).
    ///   - db: A transaction to enqueue in, so the job exists only when the work that caused it commits.
    /// - Returns: The new job's id.
    @discardableResult
    public func enqueue(
        kind: String, payload: String, runAt: Int64, maxAttempts: Int = 10, now: Int64, on db: (any SQLDatabase)? = nil
    ) async throws -> String {
        let id = UUID().uuidString.lowercased()
        try await (db ?? database.sql).insert(into: "jobs")
            .columns(
                "id", "kind", "payload", "status", "attempts", "max_attempts", "run_at", "first_enqueued_at",
                "created_at", "updated_at"
            )
            .values(
                SQLBind(id), SQLBind(kind), SQLBind(payload), SQLBind("pending"), SQLBind(0), SQLBind(maxAttempts),
                SQLBind(runAt), SQLBind(now), SQLBind(now), SQLBind(now)
            )
            .run()
        return id
    }

    /// Claims the next due job, or one whose previous worker's lease ran out.
    /// - Parameters:
    ///   - worker: The claiming worker's id.
    ///   - now: The current time (milliseconds since 1970).
    ///   - leaseMilliseconds: How long the claim holds before another worker may take the job.
    /// - Returns: The job, or nil when none is due.
    public func claim(worker: String, now: Int64, leaseMilliseconds: Int64) async throws -> ClaimedJob? {
        let skipLocked = database.kind == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let query: SQLQueryString = """
            UPDATE jobs SET status = 'running', locked_by = \(bind: worker), \
            locked_until = \(bind: now + leaseMilliseconds), attempts = attempts + 1, updated_at = \(bind: now) \
            WHERE id = (SELECT id FROM jobs WHERE (status = 'pending' AND run_at <= \(bind: now)) \
            OR (status = 'running' AND locked_until < \(bind: now)) ORDER BY run_at LIMIT 1\(unsafeRaw: skipLocked)) \
            RETURNING id, kind, payload, attempts, max_attempts, first_enqueued_at
            """
        guard let row = try await database.sql.raw(query).first() else { return nil }
        return ClaimedJob(
            id: try row.decode(column: "id", as: String.self),
            kind: try row.decode(column: "kind", as: String.self),
            payload: try row.decode(column: "payload", as: String.self),
            attempts: try row.decode(column: "attempts", as: Int.self),
            maxAttempts: try row.decode(column: "max_attempts", as: Int.self),
            firstEnqueuedAt: try row.decode(column: "first_enqueued_at", as: Int64.self)
        )
    }

    /// Marks a job done.
    public func complete(id: String, now: Int64) async throws {
        try await database.sql.update("jobs")
            .set("status", to: "done").set("locked_by", to: SQLLiteral.null).set("locked_until", to: SQLLiteral.null)
            .set("last_error", to: SQLLiteral.null).set("updated_at", to: now)
            .where("id", .equal, id).run()
    }

    /// Puts a job back to run again later.
    /// - Parameters:
    ///   - reason: Why it failed (no personal data).
    ///   - runAt: When to try again.
    public func retry(id: String, reason: String, runAt: Int64, now: Int64) async throws {
        try await database.sql.update("jobs")
            .set("status", to: "pending").set("run_at", to: runAt).set("last_error", to: reason)
            .set("locked_by", to: SQLLiteral.null).set("locked_until", to: SQLLiteral.null).set("updated_at", to: now)
            .where("id", .equal, id).run()
    }

    /// Gives a job up for good.
    public func fail(id: String, reason: String, now: Int64) async throws {
        try await database.sql.update("jobs")
            .set("status", to: "failed").set("last_error", to: reason)
            .set("locked_by", to: SQLLiteral.null).set("locked_until", to: SQLLiteral.null).set("updated_at", to: now)
            .where("id", .equal, id).run()
    }

    /// The number of jobs in each status.
    public func counts() async throws -> JobCounts {
        let rows = try await database.sql.select().column("status").column(
            SQLFunction("COUNT", args: SQLLiteral.all), as: "n"
        )
        .from("jobs").groupBy("status").all()
        var counts = JobCounts()
        for row in rows {
            let n = try row.decode(column: "n", as: Int.self)
            switch try row.decode(column: "status", as: String.self) {
            case "pending": counts.pending = n
            case "running": counts.running = n
            case "done": counts.done = n
            case "failed": counts.failed = n
            default: break
            }
        }
        return counts
    }
}
