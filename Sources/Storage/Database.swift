import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// Steward's database: a pool of SQLite or PostgreSQL connections behind one SQLKit code path.
///
/// Repositories use ``sql`` for single statements and ``transaction(_:)`` for writes that belong together.
/// - Important: Call ``shutdown()`` once nothing uses the database any more.
public struct Database: Sendable {
    /// Which engine is behind the pool; repositories branch on it only where the dialects differ.
    public enum Kind: String, Sendable {
        case sqlite
        case postgres
    }

    /// The engine.
    public let kind: Kind
    /// A pooled database: every statement leases a connection for its own duration.
    public let sql: any SQLDatabase
    /// The SQLite file, or `nil` on PostgreSQL.
    public let sqlitePath: String?
    private let pool: Pool
    /// SQLite's blocking calls run here: more threads than connections, so the connection holding the write lock
    /// always has a thread to finish on while others wait for the lock.
    private let threadPool: NIOThreadPool?
    /// One writer at a time inside this process (SQLite allows one anyway): waiting happens here, asynchronously,
    /// instead of on a blocked thread in SQLite's busy handler.
    private let writer: WriterLock?

    // The async-kit pool guards its state with a lock but predates Sendable annotations.
    private enum Pool: @unchecked Sendable {
        case sqlite(EventLoopGroupConnectionPool<SQLiteSource>)
        case postgres(EventLoopGroupConnectionPool<PostgresConnectionSource>)
    }

    /// Opens a database from a location.
    ///
    /// - Parameters:
    ///   - location: Where the database lives.
    ///   - eventLoopGroup: The group the connections run on.
    ///   - logger: A logger for connection events (never for query values).
    /// - Throws: ``StorageError`` when the location cannot be used.
    public static func open(
        _ location: DatabaseLocation,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) async throws -> Database {
        switch location {
        case .sqlite(let path):
            // Two connections per loop: WAL lets readers proceed while one writer holds the lock.
            let connectionsPerLoop = 2
            let loops = eventLoopGroup.makeIterator().reduce(0) { count, _ in count + 1 }
            let threads = NIOThreadPool(numberOfThreads: connectionsPerLoop * loops + 2)
            threads.start()
            let source = SQLiteSource(
                base: SQLiteConnectionSource(configuration: .init(storage: .file(path: path)), threadPool: threads),
                keystorePath: SQLiteSource.keystorePath(for: path))
            let pool = EventLoopGroupConnectionPool(
                source: source, maxConnectionsPerEventLoop: connectionsPerLoop, logger: logger, on: eventLoopGroup)
            let database = Database(
                kind: .sqlite, pool: .sqlite(pool), sqlitePath: path, threadPool: threads, logger: logger)
            // The journal mode is a property of the file: set it once, it sticks for every connection.
            try await database.sql.raw("PRAGMA journal_mode = WAL").run()
            try await database.sql.raw("PRAGMA keystore.journal_mode = WAL").run()
            return database
        case .postgres(let url, let searchPath):
            var configuration: SQLPostgresConfiguration
            do {
                configuration = try SQLPostgresConfiguration(url: url)
            } catch {
                throw StorageError.invalidDatabaseURL
            }
            configuration.searchPath = searchPath
            let source = PostgresConnectionSource(sqlConfiguration: configuration)
            let pool = EventLoopGroupConnectionPool(
                source: source, maxConnectionsPerEventLoop: 4, logger: logger, on: eventLoopGroup)
            return Database(kind: .postgres, pool: .postgres(pool), sqlitePath: nil, threadPool: nil, logger: logger)
        }
    }

    private init(kind: Kind, pool: Pool, sqlitePath: String?, threadPool: NIOThreadPool?, logger: Logger) {
        self.kind = kind
        self.pool = pool
        self.sqlitePath = sqlitePath
        self.threadPool = threadPool
        self.writer = kind == .sqlite ? WriterLock() : nil
        switch pool {
        case .sqlite(let pool):
            self.sql = PooledSQLDatabase(pool: pool, logger: logger, dialect: SQLiteDialect()) {
                $0.sql(queryLogLevel: nil)
            }
        case .postgres(let pool):
            self.sql = PooledSQLDatabase(pool: pool, logger: logger, dialect: PostgresDialect()) {
                $0.sql(queryLogLevel: nil)
            }
        }
    }

    /// Runs `body` in one transaction on one connection: committed when it returns, rolled back when it throws.
    ///
    /// On SQLite the transaction starts `IMMEDIATE`, taking the write lock up front, so two writers never
    /// deadlock upgrading read locks.
    /// - Parameter body: The work; use only the database it is given.
    /// - Returns: What `body` returns.
    public func transaction<T: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        let begin = kind == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        if let writer { await writer.lock() }
        do {
            let result = try await sql.withSession { connection in
                try await connection.raw(SQLQueryString(begin)).run()
                do {
                    let result = try await body(connection)
                    try await connection.raw("COMMIT").run()
                    return result
                } catch {
                    try? await connection.raw("ROLLBACK").run()
                    throw error
                }
            }
            await writer?.unlock()
            return result
        } catch {
            await writer?.unlock()
            throw error
        }
    }

    /// Runs `body` with a read-only ``SQLiteReader`` of the SQLite file, on the database's own threads (it blocks).
    ///
    /// For scans too large to decode row by row through ``sql``. The reader is a separate connection: it sees
    /// commits made before each of its reads begins, not the uncommitted work of a transaction in progress.
    /// - Parameter body: The reads; the reader is closed when it returns.
    /// - Returns: What `body` returns, or `nil` on PostgreSQL.
    /// - Throws: What `body` throws, ``SQLiteReaderError``, or an error when the database was shut down.
    public func withSQLiteReader<T: Sendable>(
        _ body: @escaping @Sendable (SQLiteReader) throws -> T
    ) async throws -> T? {
        guard let sqlitePath, let threadPool else { return nil }
        return try await threadPool.runIfActive {
            try body(SQLiteReader(path: sqlitePath))
        }
    }

    /// Checks that the database answers a trivial query.
    public func ping() async throws {
        _ = try await sql.raw("SELECT 1 AS one").all()
    }

    /// Closes every pooled connection.
    public func shutdown() async {
        switch pool {
        case .sqlite(let pool): try? await pool.shutdownAsync()
        case .postgres(let pool): try? await pool.shutdownAsync()
        }
        try? await threadPool?.shutdownGracefully()
    }
}

/// Where the database lives, parsed from configuration.
public enum DatabaseLocation: Sendable, Equatable {
    /// An SQLite file (created when missing).
    case sqlite(path: String)
    /// A PostgreSQL server; `searchPath` picks schemas (tests use a schema each).
    case postgres(url: String, searchPath: [String]? = nil)

    /// Parses a database URL: `postgres://…`/`postgresql://…` or `sqlite:PATH` / `sqlite://PATH`.
    /// - Returns: The location, or nil when the scheme is not one of those.
    public init?(url: String) {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            self = .postgres(url: url)
        } else if url.hasPrefix("sqlite://") {
            self = .sqlite(path: String(url.dropFirst("sqlite://".count)))
        } else if url.hasPrefix("sqlite:") {
            self = .sqlite(path: String(url.dropFirst("sqlite:".count)))
        } else {
            return nil
        }
    }
}

/// Errors of the storage layer.
public enum StorageError: Error, Equatable, CustomStringConvertible {
    /// The PostgreSQL URL could not be parsed.
    case invalidDatabaseURL
    /// A migration failed; the database is left at the last successful one.
    case migrationFailed(id: String, reason: String)
    /// The database holds migrations this binary does not know (it is older than the schema).
    case unknownMigrations([String])

    public var description: String {
        switch self {
        case .invalidDatabaseURL:
            "the PostgreSQL URL is not valid (expected postgres://user:password@host:port/database)"
        case .migrationFailed(let id, let reason):
            "migration \(id) failed: \(reason)"
        case .unknownMigrations(let ids):
            "the database was migrated by a newer Steward (unknown migrations: \(ids.joined(separator: ", ")))"
        }
    }
}
