import NIOCore

/// Prepares a message for the SMTP DATA phase (RFC 5321 §4.5.2): CRLF line endings and an extra `.` before every
/// line that starts with one, so that no line of the message can end the DATA early.
///
/// Works on bytes in one pass: the plain runs between the places that need a change are copied in one piece.
enum DotStuffing {
    /// The terminating line, written after the content.
    static let terminator = ByteBuffer(string: ".\r\n")

    /// What a scan of a message found.
    struct Inspection: Equatable {
        /// Whether the bytes can be sent unchanged: CRLF line endings only, no line starting with `.`, and a
        /// final CRLF unless the message is empty.
        var isWireReady: Bool
        /// Whether any byte is 0x80 or above (the message needs 8BITMIME).
        var hasEightBitBytes: Bool
    }

    /// Scans `bytes` without copying them.
    /// - Parameter bytes: The message.
    /// - Returns: Whether it is already in wire form, and whether it has 8-bit bytes.
    static func inspect(_ bytes: UnsafeRawBufferPointer) -> Inspection {
        var isWireReady = true
        var highBits: UInt8 = 0
        var atLineStart = true
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            highBits |= byte
            switch byte {
            case UInt8(ascii: "\r") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n"):
                index += 2
                atLineStart = true
                continue
            case UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                isWireReady = false
                atLineStart = true
            case UInt8(ascii: ".") where atLineStart:
                isWireReady = false
                atLineStart = false
            default:
                atLineStart = false
            }
            index += 1
        }
        return Inspection(isWireReady: isWireReady && atLineStart, hasEightBitBytes: highBits >= 0x80)
    }

    /// Appends the wire form of `bytes` to `buffer`: every line break (CRLF, LF or lone CR) as CRLF, a `.` added
    /// before each line starting with `.`, and a final CRLF when the message does not end with a line break.
    /// The terminator is not included.
    /// - Parameters:
    ///   - bytes: The message.
    ///   - buffer: Receives the content.
    /// - Returns: Whether any byte is 0x80 or above.
    @discardableResult
    static func write(_ bytes: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) -> Bool {
        var highBits: UInt8 = 0
        var atLineStart = true
        var runStart = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            highBits |= byte
            switch byte {
            case UInt8(ascii: "\r") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n"):
                index += 2
                atLineStart = true
                continue
            case UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
                buffer.writeStaticString("\r\n")
                runStart = index + 1
                atLineStart = true
            case UInt8(ascii: ".") where atLineStart:
                // The run restarts at this dot, so the dot itself follows the added one.
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
                buffer.writeStaticString(".")
                runStart = index
                atLineStart = false
            default:
                atLineStart = false
            }
            index += 1
        }
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        if !atLineStart {
            buffer.writeStaticString("\r\n")
        }
        return highBits >= 0x80
    }
}
