import Foundation

extension SubscriberImport {
    /// One accepted subscriber.
    public struct Row: Sendable, Equatable {
        /// The 1-based line where the record starts.
        public let line: Int
        /// The address, trimmed, with its domain lower-cased.
        public let email: String
        /// The name, trimmed; nil when empty or when the file has no `name` column.
        public let name: String?
        /// Where consent was given, e.g. "trade fair signup sheet".
        public let consentSource: String
        /// When consent was given. A date without a time is midnight UTC (or `now`, for today in a zone ahead of
        /// UTC).
        public let consentedAt: Date
        /// Tags, trimmed, without empty or repeated ones, in file order.
        public let tags: [String]

        /// Creates a row.
        public init(line: Int, email: String, name: String?, consentSource: String, consentedAt: Date, tags: [String]) {
            self.line = line
            self.email = email
            self.name = name
            self.consentSource = consentSource
            self.consentedAt = consentedAt
            self.tags = tags
        }
    }
}
