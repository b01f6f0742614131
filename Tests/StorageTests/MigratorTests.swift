import Logging
import SQLKit
import Storage
import Testing

@Suite struct MigratorTests {
    @Test func migrationsApplyOnceAndRevertCleanly() async throws {
        try await TestDatabase.with { database in
            // Given a fresh database
            let migrator = Migrator(database: database, logger: Logger(label: "test"))

            // When migrating twice
            let first = try await migrator.migrate()
            let second = try await migrator.migrate()

            // Then every migration ran once
            #expect(first == Migrations.all.map(\.id))
            #expect(second.isEmpty)
            #expect(try await migrator.pending().isEmpty)

            // When reverting everything, then all are pending again and can be re-applied
            let reverted = try await migrator.revert(count: Migrations.all.count)
            #expect(reverted == Migrations.all.map(\.id).reversed())
            #expect(try await migrator.pending() == Migrations.all.map(\.id))
            #expect(try await migrator.migrate() == Migrations.all.map(\.id))
        }
    }

    @Test func aTransactionThatThrowsLeavesNothing() async throws {
        try await TestDatabase.with { database in
            // Given a migrated database
            try await Migrator(database: database, logger: Logger(label: "test")).migrate()
            let queue = SQLJobQueue(database: database)
            struct Boom: Error {}

            // When a transaction enqueues a job and then fails
            await #expect(throws: Boom.self) {
                try await database.transaction { db in
                    try await queue.enqueue(kind: "test", payload: "{}", runAt: 0, now: 0, on: db)
                    throw Boom()
                }
            }

            // Then the job is not there
            #expect(try await queue.counts() == JobCounts())
        }
    }
}
