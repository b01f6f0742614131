import AsyncKit
import Logging
import NIOCore
import SQLiteKit

/// SQLite connections set up for a server: writers wait for the lock instead of failing at once, and WAL commits
/// skip the per-commit fsync (the WAL itself is synced at checkpoints; a power cut loses at most the last commits).
struct SQLiteSource: ConnectionPoolSource {
    let base: SQLiteConnectionSource

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        base.makeConnection(logger: logger, on: eventLoop).flatMap { connection in
            connection.query("PRAGMA busy_timeout = 10000").flatMap { _ in
                connection.query("PRAGMA synchronous = NORMAL")
            }.map { _ in connection }
        }
    }
}
