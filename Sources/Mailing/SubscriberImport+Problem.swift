extension SubscriberImport {
    /// Why a row (or the whole file) was refused.
    ///
    /// - Important: Messages never contain the e-mail address or other values from the file: they may be logged,
    ///   and the line number is enough to find the row.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The 1-based line; problems with the file as a whole are on line 1.
        public let line: Int
        /// The column, by its normalised name (e.g. `consent_source`), or nil when not about one column.
        public let column: String?
        /// What is wrong and how to fix it, in plain English, without the line and column.
        public let message: String

        /// Creates a problem.
        public init(line: Int, column: String?, message: String) {
            self.line = line
            self.column = column
            self.message = message
        }

        /// E.g. `line 7, consent_source: empty — say where and when this person agreed`.
        public var description: String {
            if let column { return "line \(line), \(column): \(message)" }
            return "line \(line): \(message)"
        }
    }
}
