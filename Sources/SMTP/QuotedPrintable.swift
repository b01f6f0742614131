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
            // Worst case: every byte escaped (3) plus a soft break (3) per 25 output characters.
            let capacity = bytes.count * 3 + bytes.count / 8 + 16
            return String(unsafeUninitializedCapacity: capacity) { output in
                encode(bytes, into: output)
            }
        }
    }

    /// Encodes `bytes` into `output`, which has room for the worst case, and returns the count written.
    private static func encode(_ bytes: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>)
        -> Int
    {
        guard let source = bytes.baseAddress, let target = output.baseAddress else { return 0 }
        var written = 0
        var lineLength = 0
        var index = 0
        let count = bytes.count
        while index < count {
            // Fast path: at the start of a line that fits and needs no escape, copy the line as it is.
            if lineLength == 0, let end = plainLineEnd(source, from: index, count: count) {
                (target + written).update(from: source + index, count: end - index)
                written += end - index
                index = end
                if index == count { break }
            }
            // Fast run inside a long line: literal bytes that are not the last of their line, while there is room
            // for them and the soft break.
            while index + 1 < count && lineLength < maximumLineLength - 1 {
                let byte = source[index]
                let next = source[index + 1]
                guard isLiteral(byte), next != 0x0D, next != 0x0A else { break }
                target[written] = byte
                written += 1
                lineLength += 1
                index += 1
            }
            let byte = source[index]
            if byte == 0x0D || byte == 0x0A {
                // Any line ending becomes one CRLF; CRLF counts once.
                if byte == 0x0D && index + 1 < count && source[index + 1] == 0x0A { index += 1 }
                target[written] = 0x0D
                target[written + 1] = 0x0A
                written += 2
                lineLength = 0
                index += 1
                continue
            }
            let next = index + 1 < count ? source[index + 1] : 0x0A
            let isLast = next == 0x0D || next == 0x0A
            let literal = isLiteral(byte) && !(isLast && (byte == 0x20 || byte == 0x09))
            let width = literal ? 1 : 3
            // The last piece of a line may use the full width; any other needs room for the "=" soft break.
            let limit = isLast ? maximumLineLength : maximumLineLength - 1
            if lineLength + width > limit {
                target[written] = 0x3D
                target[written + 1] = 0x0D
                target[written + 2] = 0x0A
                written += 3
                lineLength = 0
            }
            if literal {
                target[written] = byte
                written += 1
            } else {
                target[written] = 0x3D
                target[written + 1] = hexDigit(byte >> 4)
                target[written + 2] = hexDigit(byte & 0x0F)
                written += 3
            }
            lineLength += width
            index += 1
        }
        return written
    }

    /// Where the line starting at `start` ends (its line break, or the end of the input) when it can be written
    /// as it is: at most 76 bytes, all literal, not ending in a space or tab; otherwise `nil`.
    @inline(__always)
    private static func plainLineEnd(_ source: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int? {
        let limit = min(count, start + maximumLineLength)
        var index = start
        while index < limit {
            let byte = source[index]
            if byte == 0x0D || byte == 0x0A { break }
            guard (byte >= 0x21 && byte <= 0x7E && byte != 0x3D) || byte == 0x20 || byte == 0x09 else { return nil }
            index += 1
        }
        if index == limit && index < count && source[index] != 0x0D && source[index] != 0x0A { return nil }
        if index > start && (source[index - 1] == 0x20 || source[index - 1] == 0x09) { return nil }
        return index
    }

    /// The upper-case hex digit of a value below 16.
    @inline(__always)
    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? 0x30 + value : 0x37 + value
    }

    /// Whether `byte` may appear as itself: printable ASCII except `=`, plus space and tab.
    private static func isLiteral(_ byte: UInt8) -> Bool {
        (byte >= 0x21 && byte <= 0x7E && byte != 0x3D) || byte == 0x20 || byte == 0x09
    }
}
