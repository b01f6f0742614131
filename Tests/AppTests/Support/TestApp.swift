import App
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SQLKit
import Storage

/// A Steward instance for a test: its own data folder, database (SQLite, or a fresh PostgreSQL schema when
/// `STEWARD_TEST_DATABASE_URL` is set), a fake clock, and a low bcrypt cost.
struct TestApp {
    let services: AppServices
    let clock: FakeWallClock
    let dataDirectory: URL

    @discardableResult
    static func with<T>(
        environment extra: [String: String] = [:], _ body: (TestApp) async throws -> T
    ) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var environment = ["STEWARD_DATA_DIR": folder.path, "STEWARD_BASE_URL": "http://127.0.0.1:8080"]
        environment.merge(extra) { _, new in new }
        var schema: String?
        var admin: Database?
        let logger = Logger(label: "test")
        if let url = ProcessInfo.processInfo.environment["STEWARD_TEST_DATABASE_URL"] {
            let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let database = try await Database.open(.postgres(url: url), logger: logger)
            try await database.sql.raw("CREATE SCHEMA \(unsafeRaw: name)").run()
            schema = name
            admin = database
            environment["STEWARD_DATABASE_URL"] = url
        }
        let clock = FakeWallClock(Date())
        let services: AppServices
        do {
            let configuration = try await AppConfiguration.load(environment: environment)
            services = try await AppServices.make(
                configuration: configuration, clock: clock, passwordCost: 4, logger: logger,
                searchPath: schema.map { [$0] })
        } catch {
            if let schema, let admin {
                try? await admin.sql.raw("DROP SCHEMA \(unsafeRaw: schema) CASCADE").run()
                await admin.shutdown()
            }
            throw error
        }
        let app = TestApp(services: services, clock: clock, dataDirectory: folder)
        do {
            let result = try await body(app)
            await services.database.shutdown()
            if let schema, let admin {
                try await admin.sql.raw("DROP SCHEMA \(unsafeRaw: schema) CASCADE").run()
                await admin.shutdown()
            }
            return result
        } catch {
            await services.database.shutdown()
            if let schema, let admin {
                try? await admin.sql.raw("DROP SCHEMA \(unsafeRaw: schema) CASCADE").run()
                await admin.shutdown()
            }
            throw error
        }
    }

    /// Runs the router against test requests.
    func test<T: Sendable>(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let app = buildApplication(services: services, logger: Logger(label: "test"), runJobs: false)
        return try await app.test(.router) { client in try await body(client) }
    }

    /// Delivers queued mail (written as .eml files in the data folder unless SMTP is configured).
    func drainJobs() async throws {
        try await services.drainJobs(logger: Logger(label: "test"))
    }

    /// The .eml files delivered so far.
    func deliveredMail() throws -> [String] {
        let outbox = dataDirectory.appendingPathComponent("outbox")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: outbox.path) else { return [] }
        return try names.filter { $0.hasSuffix(".eml") }.sorted().map {
            try String(contentsOf: outbox.appendingPathComponent($0), encoding: .utf8)
        }
    }
}
