import NIOCore

/// A message in the form written after the 354 reply to DATA, without the terminating `.` line.
struct DataPayload: Sendable {
    /// The content: CRLF line endings, dot-stuffed, ending in CRLF unless empty.
    var content: ByteBuffer
    /// Whether the content has bytes of 0x80 or above, which asks for `BODY=8BITMIME`.
    var hasEightBitBytes: Bool

    /// Wraps content already in wire form.
    init(content: ByteBuffer, hasEightBitBytes: Bool) {
        self.content = content
        self.hasEightBitBytes = hasEightBitBytes
    }

    /// Converts a message with any line endings in one pass (one copy, into the buffer).
    /// - Parameters:
    ///   - message: The RFC 5322 message.
    ///   - allocator: Allocates the buffer.
    init(_ message: String, allocator: ByteBufferAllocator) {
        var message = message
        let count = message.utf8.count
        // Room for a CRLF per 32 bytes of LF-only text and a few stuffed dots before the buffer must grow.
        var content = allocator.buffer(capacity: count + count / 32 + 8)
        let hasEightBitBytes = message.withUTF8 { DotStuffing.write(UnsafeRawBufferPointer($0), into: &content) }
        self.content = content
        self.hasEightBitBytes = hasEightBitBytes
    }

    /// Uses `message` as it is when it is already in wire form (no copy), otherwise converts it like
    /// `init(_:allocator:)` does for a `String`.
    /// - Parameters:
    ///   - message: The RFC 5322 message's bytes (readable bytes only), not dot-stuffed, any line endings.
    ///   - allocator: Allocates the buffer when a conversion is needed.
    init(_ message: ByteBuffer, allocator: ByteBufferAllocator) {
        let inspection = message.withUnsafeReadableBytes { DotStuffing.inspect($0) }
        hasEightBitBytes = inspection.hasEightBitBytes
        guard !inspection.isWireReady else {
            content = message
            return
        }
        var content = allocator.buffer(capacity: message.readableBytes + message.readableBytes / 32 + 8)
        message.withUnsafeReadableBytes { _ = DotStuffing.write($0, into: &content) }
        self.content = content
    }
}
