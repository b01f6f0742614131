/// The privacy policy as a reader sees it: headed sections of Steward's own plain prose, rendered from the
/// structure (never copied from any other text). Turning it into HTML is the caller's job.
public struct PolicyDocument: Sendable, Equatable, Codable {
    /// One headed part of the policy.
    public struct Section: Sendable, Equatable, Codable {
        /// A stable anchor, e.g. `who-we-are`.
        public let id: String
        /// The heading.
        public let heading: String
        /// Paragraphs, shown first.
        public let paragraphs: [String]
        /// List items, shown after the paragraphs.
        public let items: [String]

        /// Creates a section.
        public init(id: String, heading: String, paragraphs: [String], items: [String] = []) {
            self.id = id
            self.heading = heading
            self.paragraphs = paragraphs
            self.items = items
        }
    }

    /// The page title.
    public let title: String
    /// The policy version.
    public let version: Int
    /// The date the version took effect, `YYYY-MM-DD`.
    public let date: String
    /// The sections, in reading order: who-we-are, what-we-collect, why, analytics, sharing, retention,
    /// your-rights, cookies, security, changes, contact.
    public let sections: [Section]

    /// Renders a policy.
    public init(_ policy: PrivacyPolicy) {
        title = "Privacy policy"
        version = policy.version
        date = policy.date
        sections = [
            Self.whoWeAre(policy), Self.whatWeCollect(policy), Self.why(policy), Self.analytics(policy),
            Self.sharing(policy), Self.retention(policy), Self.rights(policy), Self.cookies(policy),
            Self.security(policy), Self.changes(policy), Self.contact(policy),
        ]
    }

    /// The section with this id, if present.
    public func section(_ id: String) -> Section? {
        sections.first { $0.id == id }
    }
}
