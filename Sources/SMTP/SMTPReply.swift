/// One complete server reply: a three-digit code and one or more lines of text.
struct SMTPReply: Sendable, Equatable {
    /// The reply code, 200...599.
    var code: Int
    /// The text of each line after the code and separator; several for a multi-line reply (`250-…`/`250 …`).
    var lines: [String]

    /// The lines joined with spaces.
    var text: String { lines.joined(separator: " ") }

    /// Whether the code is 2xx or 3xx.
    var isPositive: Bool { (200..<400).contains(code) }

    /// The error this reply stands for when it was not the one expected: `.transient` for 4xx, `.permanent` for
    /// 5xx, and `.connectionFailed` for a positive code out of place (the server does not follow the protocol).
    var error: SMTPError {
        switch code {
        case 400..<500:
            return .transient(code: code, message: text)
        case 500..<600:
            return .permanent(code: code, message: text)
        default:
            return .connectionFailed("The server answered \(code) where another reply was expected.")
        }
    }
}
