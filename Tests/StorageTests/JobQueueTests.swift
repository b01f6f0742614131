import Logging
import Storage
import Testing

@Suite struct JobQueueTests {
    @Test func aJobIsClaimedOnceAndCompleted() async throws {
        try await TestDatabase.with { database in
            // Given one due job
            try await Migrator(database: database, logger: Logger(label: "test")).migrate()
            let queue = SQLJobQueue(database: database)
            let id = try await queue.enqueue(kind: "mail.deliver", payload: #"{"x":1}"#, runAt: 100, now: 100)

            // When two workers claim
            let first = try await queue.claim(worker: "a", now: 200, leaseMilliseconds: 1000)
            let second = try await queue.claim(worker: "b", now: 200, leaseMilliseconds: 1000)

            // Then only the first gets it
            #expect(first?.id == id)
            #expect(first?.attempts == 1)
            #expect(second == nil)
            try await queue.complete(id: id, now: 300)
            #expect(try await queue.counts() == JobCounts(done: 1))
        }
    }

    @Test func aJobNotYetDueIsNotClaimed() async throws {
        try await TestDatabase.with { database in
            try await Migrator(database: database, logger: Logger(label: "test")).migrate()
            let queue = SQLJobQueue(database: database)
            try await queue.enqueue(kind: "k", payload: "{}", runAt: 5000, now: 0)
            #expect(try await queue.claim(worker: "a", now: 4999, leaseMilliseconds: 10) == nil)
            #expect(try await queue.claim(worker: "a", now: 5000, leaseMilliseconds: 10) != nil)
        }
    }

    @Test func aJobWhoseWorkerDiedIsClaimedAgainAfterTheLease() async throws {
        try await TestDatabase.with { database in
            // Given a job claimed by a worker that then died
            try await Migrator(database: database, logger: Logger(label: "test")).migrate()
            let queue = SQLJobQueue(database: database)
            let id = try await queue.enqueue(kind: "k", payload: "{}", runAt: 0, now: 0)
            _ = try await queue.claim(worker: "dead", now: 10, leaseMilliseconds: 1000)

            // When another worker looks before and after the lease ends
            let early = try await queue.claim(worker: "b", now: 500, leaseMilliseconds: 1000)
            let late = try await queue.claim(worker: "b", now: 1011, leaseMilliseconds: 1000)

            // Then it gets the job only after the lease, as a second attempt
            #expect(early == nil)
            #expect(late?.id == id)
            #expect(late?.attempts == 2)
        }
    }

    @Test func aRetriedJobWaitsForItsTime() async throws {
        try await TestDatabase.with { database in
            try await Migrator(database: database, logger: Logger(label: "test")).migrate()
            let queue = SQLJobQueue(database: database)
            let id = try await queue.enqueue(kind: "k", payload: "{}", runAt: 0, now: 0)
            _ = try await queue.claim(worker: "a", now: 1, leaseMilliseconds: 1000)
            try await queue.retry(id: id, reason: "451 try later", runAt: 10_000, now: 2)
            #expect(try await queue.claim(worker: "a", now: 9_999, leaseMilliseconds: 1000) == nil)
            #expect(try await queue.claim(worker: "a", now: 10_000, leaseMilliseconds: 1000)?.attempts == 2)
            try await queue.fail(id: id, reason: "gave up", now: 10_001)
            #expect(try await queue.counts() == JobCounts(failed: 1))
        }
    }
}
