import AsyncKit
import Foundation
import Logging
import NIOCore
import SQLiteKit

/// SQLite connections set up for a server: writers wait for the lock instead of failing at once, and WAL commits
/// skip the per-commit fsync (the WAL itself is synced at checkpoints; a power cut loses at most the last commits).
///
/// Each connection may cache up to 8 MB of pages (SQLite's default is 2 MB); temporary tables and statement
/// journals stay in memory. Pages are only allocated as they are used.
///
/// Every connection attaches the key store (`keystore`, a second file beside the database): the per-person data
/// keys live there, so a copy of the database alone holds no key, and an erasure also makes copies taken before it
/// unreadable.
struct SQLiteSource: ConnectionPoolSource {
    let base: SQLiteConnectionSource
    /// The key store's file.
    let keystorePath: String

    /// The key store file that goes with a database file: `steward.sqlite` → `steward-keys.sqlite`.
    static func keystorePath(for path: String) -> String {
        (path.hasSuffix(".sqlite") ? String(path.dropLast(".sqlite".count)) : path) + "-keys.sqlite"
    }

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        let attach = "ATTACH DATABASE '\(keystorePath.replacingOccurrences(of: "'", with: "''"))' AS keystore"
        return base.makeConnection(logger: logger, on: eventLoop).flatMap { connection in
            connection.query(attach).flatMap { _ in
                connection.query("PRAGMA busy_timeout = 10000")
            }.flatMap { _ in
                connection.query("PRAGMA synchronous = NORMAL")
            }.flatMap { _ in
                connection.query("PRAGMA cache_size = -8192")
            }.flatMap { _ in
                connection.query("PRAGMA temp_store = MEMORY")
            }.map { _ in connection }
        }
    }
}
