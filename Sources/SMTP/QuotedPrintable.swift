import NIOCore

/// Quoted-printable body encoding (RFC 2045 §6.7) of UTF-8 text.
///
/// The output never has a line starting with `.` (such a dot is written `=2E`), so an encoded body needs no
/// dot-stuffing on its way through SMTP.
public enum QuotedPrintable {
    /// The longest encoded line, including a trailing `=` soft break.
    static let maximumLineLength = 76

    /// A fixed piece of text encoded once, to be placed in many messages with a ``QuotedPrintableWriter``.
    public struct Chunk: Sendable {
        /// The encoded bytes; when the text does not end with a line break, the last line leaves room for the
        /// soft break the writer adds before whatever follows.
        let bytes: [UInt8]
        /// Whether the text ends with a line break (the next piece then starts a line of its own).
        let endsLine: Bool

        /// Encodes `text`.
        public init(_ text: String) {
            var text = text
            let (bytes, endsLine) = text.withUTF8 { source -> ([UInt8], Bool) in
                let encoded = [UInt8](unsafeUninitializedCapacity: QuotedPrintable.capacity(for: source.count)) {
                    output, count in
                    count = QuotedPrintable.encode(source, into: output, open: true)
                }
                return (encoded, source.last == 0x0A || source.last == 0x0D)
            }
            self.bytes = bytes
            self.endsLine = endsLine
        }
    }

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
            String(unsafeUninitializedCapacity: capacity(for: bytes.count)) { output in
                encode(bytes, into: output, open: false)
            }
        }
    }

    /// Room for the worst case: every byte escaped (3) plus a soft break (3) per 25 output characters.
    static func capacity(for count: Int) -> Int {
        count * 3 + count / 8 + 16
    }

    /// Encodes `bytes` into `output`, which has room for the worst case, and returns the count written.
    /// - Parameter open: Whether more text may follow on the same line (after a soft break): the last line then
    ///   keeps a column free for the `=`.
    static func encode(
        _ bytes: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>, open: Bool
    ) -> Int {
        guard let source = bytes.baseAddress, let target = output.baseAddress else { return 0 }
        var written = 0
        var lineLength = 0
        var index = 0
        let count = bytes.count
        while index < count {
            // Fast path: at the start of a line that fits and needs no escape, copy the line as it is.
            if lineLength == 0, let end = plainLineEnd(source, from: index, count: count, open: open) {
                (target + written).update(from: source + index, count: end - index)
                written += end - index
                index = end
                if index == count { break }
            }
            // Fast run inside a long line: literal bytes that are not the last of their line, while there is room
            // for them and the soft break (never a dot at the start of a line).
            while index + 1 < count && lineLength < maximumLineLength - 1 {
                let byte = source[index]
                let next = source[index + 1]
                guard isLiteral(byte), next != 0x0D, next != 0x0A, byte != 0x2E || lineLength > 0 else { break }
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
            let atEnd = index + 1 >= count
            let next = atEnd ? 0x0A : source[index + 1]
            let isLast = next == 0x0D || next == 0x0A
            var literal = isLiteral(byte) && !(isLast && (byte == 0x20 || byte == 0x09))
            var width = literal ? 1 : 3
            // The last piece of a line may use the full width; any other needs room for the "=" soft break.
            let limit = isLast && !(atEnd && open) ? maximumLineLength : maximumLineLength - 1
            if lineLength + width > limit {
                target[written] = 0x3D
                target[written + 1] = 0x0D
                target[written + 2] = 0x0A
                written += 3
                lineLength = 0
            }
            if lineLength == 0 && byte == 0x2E {
                literal = false
                width = 3
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
    /// as it is: at most 76 bytes (75 for an open last line), all literal, not starting with a dot, not ending in
    /// a space or tab; otherwise `nil`.
    @inline(__always)
    private static func plainLineEnd(_ source: UnsafePointer<UInt8>, from start: Int, count: Int, open: Bool) -> Int? {
        guard source[start] != 0x2E else { return nil }
        let limit = min(count, start + maximumLineLength)
        var index = start
        while index < limit {
            let byte = source[index]
            if byte == 0x0D || byte == 0x0A { break }
            guard (byte >= 0x21 && byte <= 0x7E && byte != 0x3D) || byte == 0x20 || byte == 0x09 else { return nil }
            index += 1
        }
        if index == limit && index < count && source[index] != 0x0D && source[index] != 0x0A { return nil }
        if open && index == count && index - start >= maximumLineLength { return nil }
        if index > start && (source[index - 1] == 0x20 || source[index - 1] == 0x09) { return nil }
        return index
    }

    /// The upper-case hex digit of a value below 16.
    @inline(__always)
    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? 0x30 + value : 0x37 + value
    }

    /// Whether `byte` may appear as itself: printable ASCII except `=`, plus space and tab.
    @inline(__always)
    private static func isLiteral(_ byte: UInt8) -> Bool {
        (byte >= 0x21 && byte <= 0x7E && byte != 0x3D) || byte == 0x20 || byte == 0x09
    }
}

/// Writes one quoted-printable body part into a buffer from pieces: fixed ones encoded once
/// (``QuotedPrintable/Chunk``) and text encoded as it comes.
///
/// Each piece starts on a line of its own: when the previous piece ended mid-line, a soft break (`=` CRLF) comes
/// first. Soft breaks vanish when the part is decoded, so the result decodes to the pieces' text joined.
public struct QuotedPrintableWriter {
    /// Receives the encoded part.
    var buffer: ByteBuffer
    /// Whether the last piece ended with a line break (or nothing was written yet).
    private var atLineStart = true

    init(buffer: ByteBuffer) {
        self.buffer = buffer
    }

    /// Appends a fixed piece.
    public mutating func append(_ chunk: QuotedPrintable.Chunk) {
        guard !chunk.bytes.isEmpty else { return }
        breakLine()
        buffer.writeBytes(chunk.bytes)
        atLineStart = chunk.endsLine
    }

    /// Encodes and appends text.
    public mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { source in
            guard let last = source.last else { return }
            breakLine()
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: QuotedPrintable.capacity(for: source.count)) {
                QuotedPrintable.encode(
                    source, into: $0.bindMemory(to: UInt8.self), open: true)
            }
            atLineStart = last == 0x0A || last == 0x0D
        }
    }

    /// Starts a new part: the next piece needs no soft break before it.
    mutating func startPart() {
        atLineStart = true
    }

    /// A soft break when the previous piece ended mid-line.
    private mutating func breakLine() {
        if !atLineStart {
            buffer.writeStaticString("=\r\n")
        }
    }
}
