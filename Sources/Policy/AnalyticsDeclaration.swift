/// The site's own, non-personal visitor statistics.
public struct AnalyticsDeclaration: Sendable, Equatable, Codable {
    /// What is recorded, as short phrases, e.g. "browser type".
    public var collects: [String]
    /// Why, in a plain sentence.
    public var purpose: String
    /// Whether it works without any cookie.
    public var cookieless: Bool
    /// Days after which raw visit events are deleted, leaving only totals.
    public var rawEventRetentionDays: Int

    /// Creates the declaration.
    public init(collects: [String], purpose: String, cookieless: Bool, rawEventRetentionDays: Int) {
        self.collects = collects
        self.purpose = purpose
        self.cookieless = cookieless
        self.rawEventRetentionDays = rawEventRetentionDays
    }
}
