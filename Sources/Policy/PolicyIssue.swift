/// One problem in a policy file, with where it is.
public struct PolicyIssue: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name as given to the loader.
    public let file: String
    /// Line, from 1.
    public let line: Int
    /// Column, from 1 (counted in Unicode scalars).
    public let column: Int
    /// What is wrong and how to fix it, as one sentence.
    public let message: String

    /// Creates an issue.
    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, the format editors and CI annotate.
    public var description: String { "\(file):\(line):\(column): \(message)" }
}
