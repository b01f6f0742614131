/// Reads an RFC 4180 CSV document from bytes, one record at a time.
///
/// Values are separated by commas; a value in double quotes may contain commas, line breaks and doubled quotes
/// (`""`). Lines may end in CRLF, LF or CR. A leading UTF-8 byte order mark and empty lines are skipped. Bytes that
/// are not valid UTF-8 become U+FFFD.
///
/// The document is scanned byte by byte (never `Character` by `Character`), so reading costs little more than
/// creating the values' strings.
public struct CSVReader: Sendable {
    /// Where reading stands: the next byte and the line it is on.
    private struct Cursor {
        /// Index of the next byte to read.
        var position: Int
        /// 1-based line of `position`.
        var line: Int
    }

    /// `"`, which opens and closes quoted values.
    private static let quote = UInt8(ascii: "\"")
    /// `,`, between values.
    private static let comma = UInt8(ascii: ",")
    /// CR, a line end alone or before LF.
    private static let carriageReturn = UInt8(ascii: "\r")
    /// LF, a line end.
    private static let lineFeed = UInt8(ascii: "\n")

    /// The whole document.
    private let bytes: [UInt8]
    /// Where the next record starts.
    private var cursor: Cursor
    /// How many values the previous record had, to size the next one's array.
    private var width = 0

    /// Prepares to read a document.
    /// - Parameter data: The document's bytes, e.g. `[UInt8]` or `Data`.
    public init(data: some Collection<UInt8>) {
        bytes = Array(data)
        cursor = Cursor(position: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0, line: 1)
    }

    /// Reads the next record.
    ///
    /// After an error, reading can go on: it resumes on the line after the faulty one (after an unterminated quote,
    /// nothing is left to read).
    /// - Returns: The record with the 1-based line number where it starts, or nil at the end of the document.
    /// - Throws: ``CSVError`` for an unterminated quote (with the line where it opens), a quote inside an unquoted
    ///   value, or text after a closing quote (with their line).
    public mutating func next() throws(CSVError) -> CSVRecord? {
        var cursor = self.cursor
        defer { self.cursor = cursor }
        let width = width
        let record = try bytes.withUnsafeBufferPointer { buffer throws(CSVError) in
            try Self.readRecord(from: buffer, at: &cursor, width: width)
        }
        if let record { self.width = record.fields.count }
        return record
    }

    /// Reads one record starting at `cursor`, leaving `cursor` after its line end.
    private static func readRecord(
        from bytes: UnsafeBufferPointer<UInt8>, at cursor: inout Cursor, width: Int
    ) throws(CSVError) -> CSVRecord? {
        let end = bytes.count
        var index = cursor.position
        while index < end, bytes[index] == carriageReturn || bytes[index] == lineFeed {
            index = afterLineEnd(in: bytes, at: index)
            cursor.line += 1
        }
        cursor.position = index
        guard index < end else { return nil }
        let line = cursor.line
        var fields: [String] = []
        fields.reserveCapacity(width)
        while true {
            if index < end, bytes[index] == quote {
                let opening = cursor.line
                index += 1
                let start = index
                var doubled = false
                var closed = false
                while index < end {
                    let byte = bytes[index]
                    if byte == quote {
                        if index + 1 < end, bytes[index + 1] == quote {
                            doubled = true
                            index += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    if byte == lineFeed
                        || (byte == carriageReturn && (index + 1 == end || bytes[index + 1] != lineFeed))
                    {
                        cursor.line += 1
                    }
                    index += 1
                }
                guard closed else {
                    cursor.position = end
                    throw .unterminatedQuote(line: opening)
                }
                let value = UnsafeBufferPointer(rebasing: bytes[start..<index])
                fields.append(doubled ? unescaped(value) : String(decoding: value, as: UTF8.self))
                index += 1
                if index < end, bytes[index] != comma, bytes[index] != carriageReturn, bytes[index] != lineFeed {
                    let faulty = cursor.line
                    skipLine(in: bytes, from: index, cursor: &cursor)
                    throw .textAfterClosingQuote(line: faulty)
                }
            } else {
                let start = index
                while index < end {
                    let byte = bytes[index]
                    if byte == comma || byte == carriageReturn || byte == lineFeed { break }
                    if byte == quote {
                        let faulty = cursor.line
                        skipLine(in: bytes, from: index, cursor: &cursor)
                        throw .strayQuote(line: faulty)
                    }
                    index += 1
                }
                fields.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
            }
            if index == end {
                cursor.position = end
                return CSVRecord(line: line, fields: fields)
            }
            if bytes[index] == comma {
                index += 1
                continue
            }
            cursor.position = afterLineEnd(in: bytes, at: index)
            cursor.line += 1
            return CSVRecord(line: line, fields: fields)
        }
    }

    /// The index after the line end (CRLF, CR or LF) at `index`.
    private static func afterLineEnd(in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        if bytes[index] == carriageReturn, index + 1 < bytes.count, bytes[index + 1] == lineFeed {
            return index + 2
        }
        return index + 1
    }

    /// Moves `cursor` past the end of the line containing `index`, so reading resumes on the next line.
    private static func skipLine(in bytes: UnsafeBufferPointer<UInt8>, from index: Int, cursor: inout Cursor) {
        var index = index
        while index < bytes.count, bytes[index] != carriageReturn, bytes[index] != lineFeed {
            index += 1
        }
        if index < bytes.count {
            index = afterLineEnd(in: bytes, at: index)
            cursor.line += 1
        }
        cursor.position = index
    }

    /// A quoted value's text with each doubled quote made single.
    private static func unescaped(_ value: UnsafeBufferPointer<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(value.count)
        var index = 0
        while index < value.count {
            text.append(value[index])
            // The scanner only leaves quotes in pairs here.
            index += value[index] == quote ? 2 : 1
        }
        return String(decoding: text, as: UTF8.self)
    }
}
