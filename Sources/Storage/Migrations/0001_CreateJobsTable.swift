import SQLKit

/// The durable job queue.
struct CreateJobsTable: Migration {
    let id = "0001_CreateJobsTable"

    func prepare(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.create(table: "jobs")
            .textID()
            .column("kind", type: .text, .notNull)
            .column("payload", type: .text, .notNull)
            .column("status", type: .text, .notNull)
            .column("attempts", type: .int, .notNull)
            .column("max_attempts", type: .int, .notNull)
            .column("run_at", type: .bigint, .notNull)
            .column("first_enqueued_at", type: .bigint, .notNull)
            .column("locked_until", type: .bigint)
            .column("locked_by", type: .text)
            .column("last_error", type: .text)
            .timestamps()
            .run()
        try await database.create(index: "jobs_status_run_at").on("jobs").column("status").column("run_at").run()
    }

    func revert(on database: any SQLDatabase, kind: Database.Kind) async throws {
        try await database.drop(table: "jobs").run()
    }
}
