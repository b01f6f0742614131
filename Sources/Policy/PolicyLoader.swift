import Foundation
import Yams

/// Reads policy files.
public enum PolicyLoader {
    /// Parses YAML text and validates it.
    /// - Parameters:
    ///   - yaml: The file's text.
    ///   - file: The name to put in issues, usually the path as the operator typed it.
    /// - Returns: The policy, or every problem found (not just the first), sorted by position.
    public static func load(yaml: String, file: String) -> Result<PrivacyPolicy, PolicyErrors> {
        var parser = PolicyParser(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            return .failure(PolicyErrors(issues: [syntaxIssue(error, yaml: yaml, file: file)]))
        }
        guard let root else {
            parser.report("the policy file is empty; start from the default policy/policy.yaml", at: nil)
            return .failure(PolicyErrors(issues: parser.issues))
        }
        let policy = parser.policy(from: root)
        guard let policy, parser.issues.isEmpty else {
            let sorted = parser.issues.enumerated().sorted {
                ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
            }
            return .failure(PolicyErrors(issues: sorted.map(\.element)))
        }
        return .success(policy)
    }

    /// Turns a Yams error into one issue with the position libyaml reported.
    private static func syntaxIssue(_ error: any Error, yaml: String, file: String) -> PolicyIssue {
        let hint = "check the indentation (spaces, not tabs), the colons and the quotes"
        func issue(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> PolicyIssue {
            var message = "the YAML cannot be read: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line))"
            }
            return PolicyIssue(file: file, line: mark.line, column: mark.column, message: "\(message); \(hint)")
        }
        guard let error = error as? YamlError else {
            return PolicyIssue(file: file, line: 1, column: 1, message: "the YAML cannot be read: \(error)")
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return issue(mark, problem, context)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return PolicyIssue(
                file: file, line: context.mark.line, column: context.mark.column,
                message: "the key \(keys) appears more than once in the same mapping; keep only one")
        case .reader(let problem, let offset, _, _):
            let prefix = yaml.prefix(offset ?? 0)
            let line = prefix.count { $0 == "\n" } + 1
            let column =
                prefix.distance(
                    from: prefix.lastIndex(of: "\n").map(prefix.index(after:)) ?? prefix.startIndex, to: prefix.endIndex
                ) + 1
            return PolicyIssue(
                file: file, line: line, column: column,
                message: "the file cannot be read as text: \(problem); save it as UTF-8 without control characters")
        default:
            return PolicyIssue(file: file, line: 1, column: 1, message: "the YAML cannot be read: \(error)")
        }
    }
}
