/// Quoted-printable body encoding (RFC 2045 §6.7) of UTF-8 text.
enum QuotedPrintable {
    /// The longest encoded line, including a trailing `=` soft break.
    static let maximumLineLength = 76

    /// Encodes `text` with CRLF hard line breaks and `=` soft breaks keeping lines within 76 characters.
    ///
    /// Any line ending in the input (CRLF, LF or CR) becomes a hard CRLF. Escapes are never split across lines,
    /// and a space or tab at the end of a line is escaped so that transports cannot strip it.
    /// - Parameter text: The text to encode.
    /// - Returns: 7-bit ASCII text.
    static func encode(_ text: String) -> String {
        LineBreaks.lines(of: text).map(encodeLine).joined(separator: "\r\n")
    }

    /// Encodes one line (no line breaks in it), inserting soft breaks where needed.
    private static func encodeLine(_ line: Substring) -> String {
        let bytes = Array(line.utf8)
        var output = ""
        var current = ""
        for (index, byte) in bytes.enumerated() {
            let isLast = index == bytes.count - 1
            let piece: String
            if isLiteral(byte) && !(isLast && (byte == 0x20 || byte == 0x09)) {
                piece = String(UnicodeScalar(byte))
            } else {
                piece = escape(byte)
            }
            // The last piece may use the full width; any other needs room for the "=" soft break after it.
            let limit = isLast ? maximumLineLength : maximumLineLength - 1
            if current.utf8.count + piece.utf8.count > limit {
                output += current + "=\r\n"
                current = ""
            }
            current += piece
        }
        return output + current
    }

    /// Whether `byte` may appear as itself: printable ASCII except `=`, plus space and tab.
    private static func isLiteral(_ byte: UInt8) -> Bool {
        (byte >= 0x21 && byte <= 0x7E && byte != 0x3D) || byte == 0x20 || byte == 0x09
    }

    /// `=XX` with upper-case hex digits.
    private static func escape(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "=" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
    }
}
