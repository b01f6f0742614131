import Crypto
import Foundation
import SQLKit
import Storage
import Synchronization

/// The salt of the visitor hash: random, one per UTC day, shared by every instance through the database, and
/// deleted once its day is over — after that, nobody (Steward included) can link a visitor's days together.
final class DailySalt: Sendable {
    private let database: Database
    private let cached = Mutex<(day: Int, salt: [UInt8])?>(nil)

    init(database: Database) {
        self.database = database
    }

    /// The UTC day number (days since 1970-01-01) of a time in milliseconds.
    static func day(of milliseconds: Int64) -> Int {
        Int(milliseconds / 86_400_000)
    }

    /// Today's salt, created on first use; yesterday's and older ones are deleted at the same moment.
    func salt(now: Int64) async throws -> [UInt8] {
        let day = Self.day(of: now)
        if let cached = cached.withLock({ $0 }), cached.day == day { return cached.salt }
        let fresh = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let salt = try await database.transaction { db -> [UInt8] in
            try await db.delete(from: "analytics_salts").where("day", .lessThan, day).run()
            if let row = try await db.select().column("salt").from("analytics_salts").where("day", .equal, day).first()
            {
                return Array(try row.decode(column: "salt", as: Data.self))
            }
            try await db.insert(into: "analytics_salts").columns("day", "salt", "created_at")
                .values(SQLBind(day), SQLBind(Data(fresh)), SQLBind(now)).run()
            return fresh
        }
        cached.withLock { $0 = (day, salt) }
        return salt
    }

    /// The day's pseudonymous visitor: a hash of (salt, IP address, user agent, site). The IP address is used here
    /// and nowhere else, and never stored.
    static func visitor(salt: [UInt8], ip: String, userAgent: String, host: String) -> String {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(ip.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(userAgent.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(host.utf8))
        return hasher.finalize().prefix(12).map { String(format: "%02x", $0) }.joined()
    }
}
