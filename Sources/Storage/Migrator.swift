import Foundation
import Logging
import SQLKit

/// Applies and reverts the numbered migrations, recording each in `schema_migrations`.
public struct Migrator: Sendable {
    private let database: Database
    private let migrations: [any Migration]
    private let logger: Logger

    /// Creates a migrator.
    /// - Parameters:
    ///   - database: The database to migrate.
    ///   - migrations: The ordered list; defaults to every migration Steward has.
    ///   - logger: Where progress is logged.
    public init(database: Database, migrations: [any Migration] = Migrations.all, logger: Logger) {
        self.database = database
        self.migrations = migrations
        self.logger = logger
    }

    /// Applies every pending migration in order, each in its own transaction.
    ///
    /// On PostgreSQL an advisory lock serialises instances that start together.
    /// - Returns: The ids applied now.
    /// - Throws: ``StorageError/migrationFailed(id:reason:)``, ``StorageError/unknownMigrations(_:)``.
    @discardableResult
    public func migrate() async throws -> [String] {
        try await withMigrationLock {
            try await createLedger()
            let applied = try await appliedIDs()
            let known = Set(migrations.map(\.id))
            let unknown = applied.filter { !known.contains($0) }.sorted()
            guard unknown.isEmpty else { throw StorageError.unknownMigrations(unknown) }
            var done: [String] = []
            for migration in migrations where !applied.contains(migration.id) {
                do {
                    let kind = database.kind
                    try await database.transaction { db in
                        try await migration.prepare(on: db, kind: kind)
                        try await db.insert(into: "schema_migrations")
                            .columns("id", "applied_at")
                            .values(SQLBind(migration.id), SQLBind(Int64(Date().timeIntervalSince1970 * 1000)))
                            .run()
                    }
                } catch {
                    throw StorageError.migrationFailed(id: migration.id, reason: String(describing: error))
                }
                logger.info("applied migration", metadata: ["migration.id": "\(migration.id)"])
                done.append(migration.id)
            }
            return done
        }
    }

    /// Reverts the last `count` applied migrations, newest first.
    /// - Returns: The ids reverted.
    @discardableResult
    public func revert(count: Int = 1) async throws -> [String] {
        try await withMigrationLock {
            try await createLedger()
            let applied = try await appliedIDs()
            let toRevert = migrations.filter { applied.contains($0.id) }.suffix(count).reversed()
            var done: [String] = []
            for migration in toRevert {
                let kind = database.kind
                try await database.transaction { db in
                    try await migration.revert(on: db, kind: kind)
                    try await db.delete(from: "schema_migrations").where("id", .equal, migration.id).run()
                }
                logger.info("reverted migration", metadata: ["migration.id": "\(migration.id)"])
                done.append(migration.id)
            }
            return done
        }
    }

    /// The ids of migrations not yet applied, in order.
    public func pending() async throws -> [String] {
        try await createLedger()
        let applied = try await appliedIDs()
        return migrations.map(\.id).filter { !applied.contains($0) }
    }

    private func createLedger() async throws {
        try await database.sql.create(table: "schema_migrations").ifNotExists()
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("applied_at", type: .bigint, .notNull)
            .run()
    }

    private func appliedIDs() async throws -> Set<String> {
        let rows = try await database.sql.select().column("id").from("schema_migrations").all()
        return Set(try rows.map { try $0.decode(column: "id", as: String.self) })
    }

    private func withMigrationLock<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard database.kind == .postgres else { return try await body() }
        // A session-level advisory lock on a dedicated connection; the key is arbitrary but fixed.
        return try await database.sql.withSession { session in
            try await session.raw("SELECT pg_advisory_lock(727001)").run()
            do {
                let result = try await body()
                try await session.raw("SELECT pg_advisory_unlock(727001)").run()
                return result
            } catch {
                try? await session.raw("SELECT pg_advisory_unlock(727001)").run()
                throw error
            }
        }
    }
}
