import Foundation
import Policy
import Testing

/// Test inputs: the fixture files, the shipped default policy, and edits of them.
enum Fixture {
    /// Why a fixture could not be used.
    enum Failure: Error {
        /// The file is not in the test bundle.
        case missing(String)
        /// The text does not load as a valid policy.
        case invalid(PolicyErrors)
    }

    /// The text of `Fixtures/<name>.yaml` from the test bundle.
    static func text(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "yaml", subdirectory: "Fixtures") else {
            throw Failure.missing(name)
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The shipped policy file, `policy/policy.yaml` at the package root, found relative to this source file so
    /// the tests guard the real file.
    static var defaultPolicyURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("policy/policy.yaml")
    }

    /// Loads text that must be valid.
    static func policy(yaml: String) throws -> PrivacyPolicy {
        switch PolicyLoader.load(yaml: yaml, file: "policy.yaml") {
        case .success(let policy): return policy
        case .failure(let errors): throw Failure.invalid(errors)
        }
    }

    /// The minimal fixture, loaded.
    static func minimal() throws -> PrivacyPolicy {
        try policy(yaml: try text("minimal"))
    }

    /// The shipped default policy, loaded.
    static func defaultPolicy() throws -> PrivacyPolicy {
        try policy(yaml: try String(contentsOf: defaultPolicyURL, encoding: .utf8))
    }

    /// The problems found in text that must be invalid (empty when it unexpectedly loads).
    static func issues(yaml: String) -> [PolicyIssue] {
        switch PolicyLoader.load(yaml: yaml, file: "policy.yaml") {
        case .success: return []
        case .failure(let errors): return errors.issues
        }
    }

    /// The 1-based line of the only occurrence of `marker` in `text`, or nil when it is absent or repeated.
    static func line(of marker: String, in text: String) -> Int? {
        let parts = text.components(separatedBy: marker)
        guard parts.count == 2 else { return nil }
        return parts[0].count { $0 == "\n" } + 1
    }
}
