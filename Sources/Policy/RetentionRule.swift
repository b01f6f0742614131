/// How long one category of data is kept.
public struct RetentionRule: Sendable, Equatable, Codable {
    /// The kind of rule, with its parameters.
    public enum Kind: Sendable, Equatable, Codable {
        /// Kept until an event (e.g. `unsubscribe`, `account_closure`), then at most `thenMaxDays` days more.
        case untilEvent(event: String, thenMaxDays: Int)
        /// Kept for a number of days after it was collected.
        case daysAfterCollection(Int)
        /// Kept as long as a law requires, for the reason given.
        case legalHold(reason: String)

        /// The names the policy file uses for the kinds, in the order operators should read them.
        static let names = ["until_event", "days_after_collection", "legal_hold"]

        /// The rule in the policy page's words, completing "kept …": "until you close your account, then at most
        /// 365 days", "for 90 days after we record it", "as long as the law requires (bookkeeping law)".
        public var plainWords: String { Wording.retention(self) }
    }

    /// The category id the rule applies to.
    public var category: String
    /// The rule.
    public var rule: Kind
    /// Optional extra wording shown with the rule.
    public var description: String?

    /// Creates a rule.
    public init(category: String, rule: Kind, description: String? = nil) {
        self.category = category
        self.rule = rule
        self.description = description
    }
}
