/// A cookie the site sets, as shown on the cookie page and in the banner.
public struct CookieDeclaration: Sendable, Equatable, Codable {
    /// How long the cookie lives.
    public enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
        /// Deleted when the browser closes.
        case session
        /// Kept for ``CookieDeclaration/lifetimeDays`` days.
        case persistent
    }

    /// The cookie's name without any `__Host-` prefix, e.g. `steward_session`; `*` marks a family (`_ga_*`).
    public var name: String
    /// Session or persistent.
    public var kind: Kind
    /// Lifetime in days, for persistent cookies only.
    public var lifetimeDays: Int?
    /// A purpose id, or `essential` for cookies the site cannot work without.
    public var purpose: String
    /// Whether it is set without consent.
    public var essential: Bool
    /// What it does, in a plain sentence.
    public var description: String
    /// `first-party`, or the id of the recipient that sets it.
    public var provider: String
    /// The banner category: `essential`, `preferences`, `analytics` or `marketing`.
    public var category: String

    /// Creates a cookie declaration.
    public init(
        name: String, kind: Kind, lifetimeDays: Int? = nil, purpose: String, essential: Bool, description: String,
        provider: String = "first-party", category: String
    ) {
        self.name = name
        self.kind = kind
        self.lifetimeDays = lifetimeDays
        self.purpose = purpose
        self.essential = essential
        self.description = description
        self.provider = provider
        self.category = category
    }
}
