extension SubscriberImport {
    /// What a parse found.
    public struct Result: Sendable, Equatable {
        /// Accepted rows, in file order.
        public let rows: [Row]
        /// Refused rows and file-level problems, in line order. A row may have several.
        public let problems: [Problem]
        /// Rows refused because their address already appeared on an earlier line (each also has a problem).
        public let duplicates: Int

        /// Creates a result.
        public init(rows: [Row], problems: [Problem], duplicates: Int) {
            self.rows = rows
            self.problems = problems
            self.duplicates = duplicates
        }
    }
}
