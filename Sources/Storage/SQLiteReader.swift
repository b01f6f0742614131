import CSQLiteAPI

/// A read-only connection to an SQLite file that hands out column values as raw bytes.
///
/// For scans of millions of rows, where building SQLKit rows and Swift strings costs more than the work done with
/// them (checking the audit chain). Everything else goes through ``Database/sql``.
///
/// - Important: Use a reader from one thread at a time. Buffers that a ``SQLiteReader/Row`` hands out are valid
///   only until the statement moves to the next row.
public final class SQLiteReader {
    /// One result row of ``forEachRow(_:_:)``; columns are numbered from 0 in the order the query selects them.
    public struct Row {
        fileprivate let statement: OpaquePointer

        /// The column's storage class.
        public func type(_ column: Int32) -> ColumnType {
            ColumnType(rawValue: sqlite_nio_sqlite3_column_type(statement, column)) ?? .blob
        }

        /// The column's value as an integer (SQLite converts other types; check ``type(_:)`` first).
        public func int64(_ column: Int32) -> Int64 {
            Int64(sqlite_nio_sqlite3_column_int64(statement, column))
        }

        /// The column's text as UTF-8 bytes exactly as stored, or `nil` for NULL.
        ///
        /// - Important: The buffer is valid only until the next row; nothing checks that the bytes are valid UTF-8.
        public func text(_ column: Int32) -> UnsafeRawBufferPointer? {
            // sqlite3_column_text first, then sqlite3_column_bytes: the order SQLite documents for a stable length.
            guard let start = sqlite_nio_sqlite3_column_text(statement, column) else { return nil }
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            return UnsafeRawBufferPointer(start: start, count: count)
        }
    }

    /// SQLite's storage classes.
    public enum ColumnType: Int32, Sendable {
        case integer = 1
        case float = 2
        case text = 3
        case blob = 4
        case null = 5
    }

    private static let ok: Int32 = 0
    private static let row: Int32 = 100
    private static let done: Int32 = 101
    private static let openReadOnly: Int32 = 0x0000_0001

    private let handle: OpaquePointer

    /// Opens the file read-only; it must exist.
    ///
    /// Writers elsewhere are not blocked: in WAL mode a reader sees the last commit made before its read began.
    /// - Parameter path: The database file.
    /// - Throws: ``SQLiteReaderError/cannotOpen(path:reason:)``.
    public init(path: String) throws {
        var handle: OpaquePointer?
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, Self.openReadOnly, nil)
        guard status == Self.ok, let handle else {
            let reason = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite_nio_sqlite3_close_v2(handle)
            throw SQLiteReaderError.cannotOpen(path: path, reason: reason)
        }
        // Readers wait while a checkpoint briefly holds the WAL index, as Steward's pooled connections do.
        sqlite_nio_sqlite3_busy_timeout(handle, 10_000)
        self.handle = handle
    }

    deinit {
        sqlite_nio_sqlite3_close_v2(handle)
    }

    /// Runs `body` in one read transaction, so every query in it sees the same state of the database.
    ///
    /// - Parameter body: The queries.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws, or ``SQLiteReaderError/queryFailed(reason:)``.
    public func snapshot<T>(_ body: () throws -> T) throws -> T {
        try forEachRow("BEGIN") { _ in false }
        do {
            let result = try body()
            try forEachRow("COMMIT") { _ in false }
            return result
        } catch {
            try? forEachRow("ROLLBACK") { _ in false }
            throw error
        }
    }

    /// Runs one statement, handing each row to `body` until the rows end or `body` returns `false`.
    ///
    /// - Parameters:
    ///   - sql: One SQL statement without parameters.
    ///   - body: Called per row; returns whether to go on.
    /// - Throws: What `body` throws, or ``SQLiteReaderError/queryFailed(reason:)``.
    public func forEachRow(_ sql: String, _ body: (Row) throws -> Bool) throws {
        var statement: OpaquePointer?
        guard sqlite_nio_sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == Self.ok else {
            throw SQLiteReaderError.queryFailed(reason: lastError)
        }
        // An empty statement (only whitespace or a comment) prepares to no statement at all.
        guard let statement else { return }
        defer { sqlite_nio_sqlite3_finalize(statement) }
        let row = Row(statement: statement)
        while true {
            switch sqlite_nio_sqlite3_step(statement) {
            case Self.row:
                guard try body(row) else { return }
            case Self.done:
                return
            default:
                throw SQLiteReaderError.queryFailed(reason: lastError)
            }
        }
    }

    private var lastError: String {
        String(cString: sqlite_nio_sqlite3_errmsg(handle))
    }
}

/// Failures of ``SQLiteReader``.
public enum SQLiteReaderError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened for reading.
    case cannotOpen(path: String, reason: String)
    /// SQLite refused or failed a statement.
    case queryFailed(reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open the SQLite database \(path) for reading: \(reason)"
        case .queryFailed(let reason): "SQLite query failed: \(reason)"
        }
    }
}
