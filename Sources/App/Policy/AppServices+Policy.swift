import Foundation
import Logging
import Policy
import SQLKit
import Storage

extension AppServices {
    /// What `steward policy publish` reports.
    public struct PublishReport: Sendable {
        /// The version now in force.
        public let version: Int
        /// Plain-language changes (empty when nothing changed).
        public let changes: [String]
        /// Consent purposes suspended until members consent again.
        public let suspended: [String]
        /// Members told (in-app notice and e-mail queued).
        public let notified: Int
        /// Whether anything was published.
        public let published: Bool
    }

    /// Publishes the policy file when it changed, then runs the notification jobs, reporting progress.
    /// - Parameter progress: Called with (done, total) as members are notified.
    public func publishPolicy(progress: @Sendable (Int, Int) -> Void, logger: Logger) async throws -> PublishReport {
        let source = try String(contentsOfFile: configuration.policyFile, encoding: .utf8)
        guard let result = try await policy.publish(source: source, file: configuration.policyFile) else {
            return PublishReport(
                version: policyState.current.policy.version, changes: [], suspended: [], notified: 0, published: false)
        }
        let worker = makeJobWorker(logger: logger)
        var done = 0
        progress(0, result.membersToNotify)
        while try await worker.runOne() {
            done = try await noticesCount(version: result.version)
            progress(done, result.membersToNotify)
        }
        return PublishReport(
            version: result.version, changes: result.diff?.summary ?? [],
            suspended: result.diff?.changedConsentPurposes ?? [],
            notified: try await noticesCount(version: result.version),
            published: true)
    }

    private func noticesCount(version: Int) async throws -> Int {
        try await database.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("policy_notices").where("version", .equal, version).first()?.decode(column: "n", as: Int.self) ?? 0
    }
}
