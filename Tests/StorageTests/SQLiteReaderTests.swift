import Foundation
import Logging
import SQLKit
import Storage
import Testing

/// The reader is SQLite-only, so these tests always use an SQLite file, also in the PostgreSQL pass.
@Suite struct SQLiteReaderTests {
    /// A fresh SQLite database with a table `t (n INTEGER, s TEXT)`, closed afterwards.
    private func withDatabase(_ body: (Database, String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "steward-reader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("test.sqlite").path
        let database = try await Database.open(.sqlite(path: path), logger: Logger(label: "test"))
        do {
            try await database.sql.raw("CREATE TABLE t (n INTEGER, s TEXT)").run()
            try await body(database, path)
            await database.shutdown()
        } catch {
            await database.shutdown()
            throw error
        }
    }

    /// Every row of `SELECT n, s FROM t ORDER BY rowid`, as types, integers and text bytes.
    private func readAll(_ reader: SQLiteReader) throws -> [(SQLiteReader.ColumnType, Int64, [UInt8]?)] {
        var rows: [(SQLiteReader.ColumnType, Int64, [UInt8]?)] = []
        try reader.forEachRow("SELECT n, s FROM t ORDER BY rowid") { row in
            rows.append((row.type(1), row.int64(0), row.text(1).map { Array($0) }))
            return true
        }
        return rows
    }

    @Test func readsIntegersAndTextAsStoredBytes() async throws {
        try await withDatabase { database, path in
            // Given text with non-ASCII characters, an empty string and NULL
            try await database.sql.raw(
                "INSERT INTO t (n, s) VALUES (\(bind: Int64.min), \(bind: "Zoë 日本 👩‍💻")), (2, ''), (\(bind: Int64.max), NULL)"
            ).run()

            // When
            let rows = try readAll(SQLiteReader(path: path))

            // Then
            #expect(rows.count == 3)
            #expect(rows[0].0 == .text && rows[0].1 == Int64.min && rows[0].2 == Array("Zoë 日本 👩‍💻".utf8))
            #expect(rows[1].0 == .text && rows[1].1 == 2 && rows[1].2 == [])
            #expect(rows[2].0 == .null && rows[2].1 == Int64.max && rows[2].2 == nil)
        }
    }

    @Test func stopsWhenTheBodySaysSo() async throws {
        try await withDatabase { database, path in
            // Given
            try await database.sql.raw("INSERT INTO t (n) VALUES (1), (2), (3)").run()
            let reader = try SQLiteReader(path: path)
            var seen: [Int64] = []

            // When
            try reader.forEachRow("SELECT n FROM t ORDER BY n") { row in
                seen.append(row.int64(0))
                return seen.count < 2
            }

            // Then
            #expect(seen == [1, 2])
        }
    }

    @Test func aReadTransactionDoesNotSeeLaterCommits() async throws {
        try await withDatabase { database, path in
            // Given a reader that read in a snapshot, then began a read transaction and read once
            // (snapshot runs synchronous work only, so the transaction around the write is spelled out here)
            try await database.sql.raw("INSERT INTO t (n) VALUES (1)").run()
            let reader = try SQLiteReader(path: path)
            func count() throws -> Int64 {
                var count: Int64 = -1
                try reader.forEachRow("SELECT COUNT(*) FROM t") { row in
                    count = row.int64(0)
                    return false
                }
                return count
            }
            var counts: [Int64] = []
            try reader.snapshot { counts.append(try count()) }
            try reader.forEachRow("BEGIN") { _ in false }
            counts.append(try count())

            // When another connection commits a row
            try await database.sql.raw("INSERT INTO t (n) VALUES (2)").run()

            // Then the transaction still sees one row; once it ends, two
            counts.append(try count())
            try reader.forEachRow("COMMIT") { _ in false }
            counts.append(try count())
            #expect(counts == [1, 1, 1, 2])
        }
    }

    @Test func itCannotWrite() async throws {
        try await withDatabase { _, path in
            // Given
            let reader = try SQLiteReader(path: path)

            // Then
            #expect(throws: SQLiteReaderError.self) {
                try reader.forEachRow("INSERT INTO t (n) VALUES (9)") { _ in true }
            }
        }
    }

    @Test func aMissingFileOrBadQueryIsAnError() async throws {
        try await withDatabase { _, path in
            // Then: a missing file is not created
            let missing = path + ".missing"
            #expect(throws: SQLiteReaderError.self) { try SQLiteReader(path: missing) }
            #expect(!FileManager.default.fileExists(atPath: missing))
            let reader = try SQLiteReader(path: path)
            #expect(throws: SQLiteReaderError.self) { try reader.forEachRow("SELECT nothing FROM t") { _ in true } }
        }
    }

    @Test func theDatabaseHandsOutAReaderOnlyOnSQLite() async throws {
        try await withDatabase { database, _ in
            // Given
            try await database.sql.raw("INSERT INTO t (n) VALUES (41), (1)").run()

            // When
            let sum = try await database.withSQLiteReader { reader in
                var sum: Int64 = 0
                try reader.forEachRow("SELECT n FROM t") { row in
                    sum += row.int64(0)
                    return true
                }
                return sum
            }

            // Then
            #expect(sum == 42)
            #expect(database.sqlitePath != nil)
        }
    }
}
