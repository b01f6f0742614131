/// Why an event body was refused: the field at fault ("body" for the body as a whole) and what is wrong with it.
public struct EventInputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The JSON key at fault ("u", "d", "p.plan", …), or "body".
    public let field: String
    /// What is wrong, for the script's developer, e.g. "not an absolute http(s) URL".
    public let message: String

    /// Creates an error for `field`.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    /// "field: message", e.g. "u: not an absolute http(s) URL".
    public var description: String {
        "\(field): \(message)"
    }
}
