import AsyncKit
import Logging
import NIOCore
import SQLKit

/// An `SQLDatabase` that leases a pooled connection for each statement, and for the whole of a session.
// The async-kit pool guards its state with a lock but predates Sendable annotations.
struct PooledSQLDatabase<Source: ConnectionPoolSource>: SQLDatabase, @unchecked Sendable
where Source.Connection: Sendable {
    let pool: EventLoopGroupConnectionPool<Source>
    let logger: Logger
    let dialect: any SQLDialect
    let makeSQL: @Sendable (Source.Connection) -> any SQLDatabase

    init(
        pool: EventLoopGroupConnectionPool<Source>,
        logger: Logger,
        dialect: any SQLDialect,
        makeSQL: @escaping @Sendable (Source.Connection) -> any SQLDatabase
    ) {
        self.pool = pool
        self.logger = logger
        self.dialect = dialect
        self.makeSQL = makeSQL
    }

    var eventLoop: any EventLoop { pool.eventLoopGroup.any() }

    // Query values are personal data once encrypted fields are bound: never log them.
    var queryLogLevel: Logger.Level? { nil }

    func execute(
        sql query: any SQLExpression,
        _ onRow: @escaping @Sendable (any SQLRow) -> Void
    ) -> EventLoopFuture<Void> {
        pool.withConnection(logger: logger) { connection in
            makeSQL(connection).execute(sql: query, onRow)
        }
    }

    func execute(
        sql query: any SQLExpression,
        _ onRow: @escaping @Sendable (any SQLRow) -> Void
    ) async throws {
        try await execute(sql: query, onRow).get()
    }

    func withSession<R>(
        _ closure: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        let connection = try await pool.requestConnection(logger: logger).get()
        defer { pool.releaseConnection(connection, logger: logger) }
        return try await closure(makeSQL(connection))
    }
}
