/// A value read by `JSONReader`.
enum JSONValue: Sendable, Equatable {
    /// A string, its escapes decoded.
    case string(String)
    /// A number, kept as the text it was written as (e.g. "15234", "2.50", "1e3").
    case number(String)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null
    /// An object's members in the order written; a repeated key appears more than once.
    case object([(key: String, value: JSONValue)])
    /// An array.
    case array([JSONValue])

    /// Whether two values are the same, members compared in order.
    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let left), .string(let right)), (.number(let left), .number(let right)): left == right
        case (.bool(let left), .bool(let right)): left == right
        case (.null, .null): true
        case (.object(let left), .object(let right)):
            left.count == right.count && zip(left, right).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let left), .array(let right)): left == right
        default: false
        }
    }
}
