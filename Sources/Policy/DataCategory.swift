/// A kind of data Steward handles, such as an e-mail address or an IP address.
public struct DataCategory: Sendable, Equatable, Codable {
    /// Lowercase snake_case id, referenced by purposes, retention rules and recipients.
    public var id: String
    /// A short name for people, e.g. "E-mail address".
    public var name: String
    /// What the category holds, in a plain sentence.
    public var description: String
    /// Whether the data relates to an identifiable person; personal categories need a retention rule.
    public var personal: Bool
    /// Example items, e.g. "first name".
    public var examples: [String]

    /// Creates a category.
    public init(id: String, name: String, description: String, personal: Bool = true, examples: [String] = []) {
        self.id = id
        self.name = name
        self.description = description
        self.personal = personal
        self.examples = examples
    }
}
