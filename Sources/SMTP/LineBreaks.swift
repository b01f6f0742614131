/// Splits text on any line ending (CRLF, LF or lone CR), the common step before writing CRLF-only output.
enum LineBreaks {
    /// The lines of `text` without their endings; a trailing line ending gives a final empty line.
    /// - Parameter text: Text with any mix of line endings.
    /// - Returns: At least one line.
    static func lines(of text: String) -> [Substring] {
        // "\r\n" is a single Character in Swift, so splitting on Characters handles all three endings at once.
        text.split(omittingEmptySubsequences: false) { $0 == "\r\n" || $0 == "\n" || $0 == "\r" }
    }
}
