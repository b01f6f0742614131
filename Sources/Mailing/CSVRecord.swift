/// One record of a CSV document.
public struct CSVRecord: Sendable, Equatable {
    /// The 1-based line on which the record starts (a quoted value may span several lines).
    public let line: Int
    /// The values, unquoted.
    public let fields: [String]

    /// Creates a record.
    public init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}
