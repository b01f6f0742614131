import Foundation
import Logging
import SQLKit
import Storage

/// A fresh database per test: an SQLite file in a temporary folder, or, when `STEWARD_TEST_DATABASE_URL` is set,
/// a new schema on that PostgreSQL server (dropped afterwards).
enum TestDatabase {
    static var postgresURL: String? { ProcessInfo.processInfo.environment["STEWARD_TEST_DATABASE_URL"] }

    static func with<T>(_ body: (Database) async throws -> T) async throws -> T {
        let logger = Logger(label: "test")
        if let url = postgresURL {
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let admin = try await Database.open(.postgres(url: url), logger: logger)
            try await admin.sql.raw("CREATE SCHEMA \(unsafeRaw: schema)").run()
            let database = try await Database.open(.postgres(url: url, searchPath: [schema]), logger: logger)
            do {
                let result = try await body(database)
                await database.shutdown()
                try await admin.sql.raw("DROP SCHEMA \(unsafeRaw: schema) CASCADE").run()
                await admin.shutdown()
                return result
            } catch {
                await database.shutdown()
                try? await admin.sql.raw("DROP SCHEMA \(unsafeRaw: schema) CASCADE").run()
                await admin.shutdown()
                throw error
            }
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await Database.open(
            .sqlite(path: folder.appendingPathComponent("test.sqlite").path), logger: logger)
        do {
            let result = try await body(database)
            await database.shutdown()
            return result
        } catch {
            await database.shutdown()
            throw error
        }
    }
}
