/// Quoted-printable body encoding (RFC 2045 §6.7) of UTF-8 text.
enum QuotedPrintable {
    /// The longest encoded line, including a trailing `=` soft break.
    static let maximumLineLength = 76

    /// Encodes `text` with CRLF hard line breaks and `=` soft breaks keeping lines within 76 characters.
    ///
    /// Any line ending in the input (CRLF, LF or CR) becomes a hard CRLF. Escapes are never split across lines,
    /// and a space or tab at the end of a line is escaped so that transports cannot strip it. Works on the UTF-8
    /// bytes in one pass: campaigns encode every recipient's message.
    /// - Parameter text: The text to encode.
    /// - Returns: 7-bit ASCII text.
    static func encode(_ text: String) -> String {
        var input = text
        return input.withUTF8 { bytes in
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + bytes.count / 8 + 16)
            var lineLength = 0
            var index = 0
            let count = bytes.count
            while index < count {
                let byte = bytes[index]
                if byte == 0x0D || byte == 0x0A {
                    // Any line ending becomes one CRLF; CRLF counts once.
                    if byte == 0x0D && index + 1 < count && bytes[index + 1] == 0x0A { index += 1 }
                    output.append(0x0D)
                    output.append(0x0A)
                    lineLength = 0
                    index += 1
                    continue
                }
                let next = index + 1 < count ? bytes[index + 1] : 0x0A
                let isLast = next == 0x0D || next == 0x0A
                let literal = isLiteral(byte) && !(isLast && (byte == 0x20 || byte == 0x09))
                let width = literal ? 1 : 3
                // The last piece of a line may use the full width; any other needs room for the "=" soft break.
                let limit = isLast ? maximumLineLength : maximumLineLength - 1
                if lineLength + width > limit {
                    output.append(0x3D)
                    output.append(0x0D)
                    output.append(0x0A)
                    lineLength = 0
                }
                if literal {
                    output.append(byte)
                } else {
                    output.append(0x3D)
                    output.append(hexDigits[Int(byte >> 4)])
                    output.append(hexDigits[Int(byte & 0x0F)])
                }
                lineLength += width
                index += 1
            }
            return String(decoding: output, as: UTF8.self)
        }
    }

    /// Whether `byte` may appear as itself: printable ASCII except `=`, plus space and tab.
    private static func isLiteral(_ byte: UInt8) -> Bool {
        (byte >= 0x21 && byte <= 0x7E && byte != 0x3D) || byte == 0x20 || byte == 0x09
    }

    /// Upper-case hex digits for `=XX`.
    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
}
