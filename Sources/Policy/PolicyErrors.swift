/// Every problem found in a policy file.
public struct PolicyErrors: Error, Sendable, CustomStringConvertible {
    /// The problems in file order.
    public let issues: [PolicyIssue]

    /// Wraps issues.
    public init(issues: [PolicyIssue]) {
        self.issues = issues
    }

    /// One issue per line.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
