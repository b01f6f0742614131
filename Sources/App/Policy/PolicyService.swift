import Foundation
import Logging
import Policy
import SQLKit
import ServiceLifecycle
import Storage

/// Publishing and serving the privacy policy.
///
/// The file (`policy/policy.yaml`) is the draft; published versions live in the database, each with its
/// source and its diff to the one before. The site always serves the newest published version.
struct PolicyService: Sendable {
    let database: Database
    let repository: SQLPolicyRepository
    let state: PolicyState
    let audit: AuditLog
    let queue: SQLJobQueue
    let clock: any WallClock

    /// What a publication did.
    struct PublishResult: Sendable {
        let version: Int
        let diff: PolicyDiff?
        let membersToNotify: Int
    }

    /// Why a policy cannot be published.
    enum PublishError: Error, CustomStringConvertible {
        case invalid(PolicyErrors)
        case versionNotIncreased(file: Int, published: Int)

        var description: String {
            switch self {
            case .invalid(let errors): errors.description
            case .versionNotIncreased(let file, let published):
                "the file's version (\(file)) must be greater than the published version (\(published)): raise `version` and set `date`"
            }
        }
    }

    /// Parses a policy file's text, or throws every problem.
    static func parse(_ source: String, file: String) throws -> PrivacyPolicy {
        switch PolicyLoader.load(yaml: source, file: file) {
        case .success(let policy): return policy
        case .failure(let errors): throw PublishError.invalid(errors)
        }
    }

    /// Loads the newest published version into a snapshot; publishes the file as the first version when the
    /// database has none.
    static func bootstrap(
        database: Database, fileSource: String, fileName: String, audit: AuditLog, clock: any WallClock,
        logger: Logger
    ) async throws -> PolicySnapshot {
        let filePolicy = try parse(fileSource, file: fileName)
        let repository = SQLPolicyRepository(database: database)
        var versions = try await repository.all()
        if versions.isEmpty {
            let now = clock.milliseconds
            try await database.transaction { db in
                try await repository.insert(
                    version: filePolicy.version, effectiveDate: filePolicy.date, contentHash: filePolicy.contentHash,
                    source: fileSource, diff: nil, now: now, on: db)
                try await audit.record(
                    "policy.publish", actor: .system, subject: nil, requestID: nil,
                    details: ["version": String(filePolicy.version), "hash": filePolicy.contentHash], on: db)
            }
            logger.info(
                "published the policy file as the first version", metadata: ["policy.version": "\(filePolicy.version)"])
            versions = try await repository.all()
        }
        guard let latest = versions.last else { throw PublishError.invalid(PolicyErrors(issues: [])) }
        if latest.contentHash != filePolicy.contentHash {
            logger.warning(
                "the policy file differs from the published version; run `steward policy publish` to publish it",
                metadata: ["policy.file": "\(fileName)", "policy.published": "\(latest.version)"])
        }
        let policy = try parse(latest.source, file: "policy version \(latest.version)")
        return PolicySnapshot(versions: versions, policy: policy)
    }

    /// Reloads when another instance (or `steward policy publish`) published a newer version.
    func refresh() async throws {
        guard let newest = try await repository.latestVersionNumber(), newest != state.current.current?.version else {
            return
        }
        let versions = try await repository.all()
        guard let latest = versions.last else { return }
        state.replace(
            PolicySnapshot(
                versions: versions, policy: try Self.parse(latest.source, file: "policy version \(latest.version)")))
    }

    /// Publishes the file as a new version when it changed, and queues one notification job per member.
    /// - Returns: nil when the file equals the published version.
    func publish(source: String, file: String) async throws -> PublishResult? {
        let policy = try Self.parse(source, file: file)
        let versions = try await repository.all()
        guard let latest = versions.last else { throw PublishError.invalid(PolicyErrors(issues: [])) }
        if latest.contentHash == policy.contentHash { return nil }
        guard policy.version > latest.version else {
            throw PublishError.versionNotIncreased(file: policy.version, published: latest.version)
        }
        let previous = try Self.parse(latest.source, file: "policy version \(latest.version)")
        let diff = PolicyDiff(from: previous, to: policy)
        let now = clock.milliseconds
        let repository = repository
        let audit = audit
        let queue = queue
        let notified = try await database.transaction { db in
            try await repository.insert(
                version: policy.version, effectiveDate: policy.date, contentHash: policy.contentHash, source: source,
                diff: diff, now: now, on: db)
            let members = try await db.select().column("id").from("members").all()
            for row in members {
                let memberID = try row.decode(column: "id", as: String.self)
                let payload = String(
                    decoding: try JSONEncoder().encode(
                        PolicyNoticeJob.Payload(memberID: memberID, version: policy.version)),
                    as: UTF8.self)
                try await queue.enqueue(kind: PolicyNoticeJob.kind, payload: payload, runAt: now, now: now, on: db)
            }
            try await audit.record(
                "policy.publish", actor: .system, subject: nil, requestID: nil,
                details: [
                    "version": String(policy.version), "hash": policy.contentHash,
                    "changes": String(diff.changes.count),
                    "members": String(members.count),
                ], on: db)
            return members.count
        }
        try await refresh()
        return PublishResult(version: policy.version, diff: diff, membersToNotify: notified)
    }
}

/// Polls for versions published elsewhere, so every instance serves the newest one within seconds.
struct PolicyRefreshService: Service {
    let service: PolicyService
    let logger: Logger
    var interval: Duration = .seconds(5)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: interval)
            do {
                try await service.refresh()
            } catch {
                logger.error("could not refresh the policy", metadata: ["error": "\(error)"])
            }
        }
    }
}
