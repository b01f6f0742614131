/// The "relaxed" canonicalization of DKIM (RFC 6376 §3.4.2 and §3.4.4), on bytes.
///
/// Line breaks are CRLF, LF or a lone CR, the same set `DotStuffing` turns into CRLF on the wire, so what is
/// signed is what the server receives.
enum RelaxedCanonicalization {
    /// Appends the relaxed form of one header field: the name lowercased, no whitespace around the colon, the
    /// value unfolded, runs of spaces and tabs reduced to one space, no whitespace at the end, then CRLF.
    /// - Parameters:
    ///   - field: The field as it appears in the message, from its name to the end of its last line, folding
    ///     line breaks included, final line break excluded. It must contain a colon.
    ///   - output: Receives the canonical field.
    static func appendHeader(_ field: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        let colon = field.firstIndex(of: UInt8(ascii: ":")) ?? field.count
        var nameEnd = colon
        while nameEnd > 0, isWhitespace(field[nameEnd - 1]) {
            nameEnd -= 1
        }
        for byte in field[0..<nameEnd] {
            output.append((UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte)
        }
        output.append(UInt8(ascii: ":"))
        var hasValue = false
        var isSpacePending = false
        for byte in field[min(colon + 1, field.count)...] {
            switch byte {
            case UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                // Unfolding: the line break goes, the whitespace after it stays (and is reduced below).
                continue
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                isSpacePending = hasValue
            default:
                if isSpacePending {
                    output.append(UInt8(ascii: " "))
                    isSpacePending = false
                }
                output.append(byte)
                hasValue = true
            }
        }
        appendLineBreak(to: &output)
    }

    /// Appends the relaxed form of a message body: whitespace at line ends removed, runs of spaces and tabs
    /// reduced to one space, empty lines at the end removed, every line ended by CRLF. An empty body (or one of
    /// empty lines only) appends nothing.
    /// - Parameters:
    ///   - body: The bytes after the empty line that ends the header.
    ///   - output: Receives the canonical body.
    static func appendBody(_ body: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        var emptyLinesPending = 0
        var hasContent = false
        var isSpacePending = false
        var index = 0
        while index < body.count {
            let byte = body[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                if byte == UInt8(ascii: "\r"), index < body.count, body[index] == UInt8(ascii: "\n") {
                    index += 1
                }
                if hasContent {
                    appendLineBreak(to: &output)
                } else {
                    // Held back: only written when a line with content follows.
                    emptyLinesPending += 1
                }
                hasContent = false
                isSpacePending = false
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                isSpacePending = true
            default:
                if !hasContent {
                    for _ in 0..<emptyLinesPending {
                        appendLineBreak(to: &output)
                    }
                    emptyLinesPending = 0
                    hasContent = true
                }
                if isSpacePending {
                    output.append(UInt8(ascii: " "))
                    isSpacePending = false
                }
                output.append(byte)
            }
        }
        if hasContent {
            appendLineBreak(to: &output)
        }
    }

    /// Appends CRLF.
    private static func appendLineBreak(to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\r"))
        output.append(UInt8(ascii: "\n"))
    }

    /// Whether `byte` is a space or a tab (WSP).
    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
