/// Builds a CSV document: a header and rows, CRLF line ends, values quoted only when needed.
///
/// - Important: A value starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading `'`,
///   so a spreadsheet opening the file shows it as text instead of running it as a formula (CSV injection).
///   Reading the file back therefore gives such values with the `'` in front.
public struct CSVWriter: Sendable {
    /// The document so far.
    public private(set) var text: String

    /// Starts a document with its header row.
    public init(header: [String]) {
        text = ""
        append(header)
    }

    /// Appends a row.
    public mutating func append(_ row: [String]) {
        for (index, value) in row.enumerated() {
            if index > 0 { text.append(",") }
            Self.write(value, to: &text)
        }
        text.append("\r\n")
    }

    /// Writes one value, guarded against formulas and quoted if it holds a comma, quote or line break.
    private static func write(_ value: String, to text: inout String) {
        let guarded =
            switch value.utf8.first {
            case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), UInt8(ascii: "\t"),
                UInt8(ascii: "\r"):
                "'" + value
            default: value
            }
        let needsQuotes = guarded.utf8.contains { byte in
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "\n")
        }
        guard needsQuotes else {
            text.append(guarded)
            return
        }
        text.append("\"")
        text.append(guarded.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\""))
        text.append("\"")
    }
}
