import Crypto
import Foundation
import HummingbirdBcrypt

/// Hashes and verifies passwords with bcrypt, off the event loops, on a bounded pool of low-priority threads.
///
/// Passwords are normalised (NFC) and pre-hashed with SHA-256 (base64) so that every Unicode character counts
/// and nothing beyond bcrypt's 72-byte limit is silently dropped.
public struct PasswordHasher: Sendable {
    /// Thrown when too many hashes are already running or waiting.
    public typealias Overloaded = ConcurrencyLimiter.Overloaded

    private let cost: UInt8
    private let limiter: ConcurrencyLimiter
    private let workers: LowPriorityWorkers
    /// A hash of a random secret, verified against when an account does not exist, so unknown and known
    /// addresses take the same time.
    private let decoyHash: String

    /// Creates a hasher.
    /// - Parameters:
    ///   - cost: The bcrypt cost (12 in production; tests may lower it).
    ///   - concurrency: Hashes at once (defaults to the number of cores).
    ///   - queueLimit: Hashes allowed to wait before new ones are refused.
    public init(
        cost: UInt8 = 12, concurrency: Int = ProcessInfo.processInfo.activeProcessorCount, queueLimit: Int = 32,
        workers: LowPriorityWorkers = .shared
    ) {
        self.cost = cost
        self.limiter = ConcurrencyLimiter(limit: concurrency, queueLimit: queueLimit)
        self.workers = workers
        self.decoyHash = Self.decoy(cost: cost)
    }

    /// A hash of a random secret with the given cost. It is made at cost 4 and relabelled: checking a password
    /// against it still runs the full cost (the cost is read from the hash), but making it does not cost every
    /// command's start-up a full bcrypt hash.
    static func decoy(cost: UInt8) -> String {
        let cheap = Bcrypt.hash(UUID().uuidString, cost: 4)
        let label = cost < 10 ? "0\(cost)" : "\(cost)"
        let parts = cheap.split(separator: "$", omittingEmptySubsequences: false)
        // "$2b$04$<salt and hash>": ["", "2b", "04", "<salt and hash>"].
        guard parts.count == 4 else { return Bcrypt.hash(UUID().uuidString, cost: cost) }
        return "$\(parts[1])$\(label)$\(parts[3])"
    }

    /// Refuses at once when the hash queue is full, before any other work is spent on a request.
    /// - Throws: ``Overloaded``.
    public func checkCapacity() async throws {
        guard await !limiter.isFull else { throw Overloaded() }
    }

    /// Hashes a new password.
    /// - Throws: ``Overloaded`` when the pool is saturated.
    public func hash(_ password: String) async throws -> String {
        let prepared = Self.prepare(password)
        let cost = cost
        return try await limiter.run { [workers] in
            await workers.run { Bcrypt.hash(prepared, cost: cost) }
        }
    }

    /// Checks a password against a stored hash; with no hash, spends the same time and answers false.
    /// - Throws: ``Overloaded`` when the pool is saturated.
    public func verify(_ password: String, against hash: String?) async throws -> Bool {
        let prepared = Self.prepare(password)
        let target = hash ?? decoyHash
        let matches = try await limiter.run { [workers] in
            await workers.run { Bcrypt.verify(prepared, hash: target) }
        }
        return hash != nil && matches
    }

    /// NFC-normalises and pre-hashes a password into 44 ASCII characters.
    static func prepare(_ password: String) -> String {
        let normalized = password.precomposedStringWithCanonicalMapping
        return Data(SHA256.hash(data: Data(normalized.utf8))).base64EncodedString()
    }
}
