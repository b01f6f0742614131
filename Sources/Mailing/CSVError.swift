/// Why a CSV document could not be read.
public enum CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A quoted field is never closed; `line` is where its opening quote is.
    case unterminatedQuote(line: Int)
    /// A quote appears inside a field that does not start with one.
    case strayQuote(line: Int)
    /// Something other than a comma or a line end follows a field's closing quote.
    case textAfterClosingQuote(line: Int)

    /// The 1-based line the problem is on.
    public var line: Int {
        switch self {
        case .unterminatedQuote(let line), .strayQuote(let line), .textAfterClosingQuote(let line): line
        }
    }

    /// A plain-English explanation, without the line number.
    public var message: String {
        switch self {
        case .unterminatedQuote:
            "a quoted value is never closed — add the missing \" (everything after it was read as one value)"
        case .strayQuote:
            "a \" in the middle of a value — put the whole value in quotes and double the quote (\"\")"
        case .textAfterClosingQuote:
            "text after a closing \" — put the whole value in quotes and double any quote inside it (\"\")"
        }
    }

    /// The message with its line, e.g. `line 4: a " in the middle of a value — …`.
    public var description: String {
        "line \(line): \(message)"
    }
}
