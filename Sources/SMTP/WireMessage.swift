import NIOCore

/// A message in the form SMTP sends after DATA: CRLF line endings, dot-stuffed, ending in CRLF.
///
/// Made either from any RFC 5322 text (converted in one pass) or by ``MailMessage/render(text:html:)``, which
/// writes the wire form directly. Pools and connections send it as it is, without another copy.
public struct WireMessage: Sendable {
    /// The content and whether it needs 8BITMIME.
    let payload: DataPayload

    /// Converts an RFC 5322 message with any line endings.
    public init(_ message: String) {
        payload = DataPayload(message, allocator: Self.allocator)
    }

    /// Wraps content already in wire form.
    init(wireContent: ByteBuffer, hasEightBitBytes: Bool) {
        payload = DataPayload(content: wireContent, hasEightBitBytes: hasEightBitBytes)
    }

    /// The message's bytes as sent (without the terminating `.` line); a line that starts with a dot carries an
    /// extra one.
    public var bytes: ByteBuffer { payload.content }

    static let allocator = ByteBufferAllocator()
}

extension MailMessage {
    /// A piece of a body part for ``render(text:html:)``.
    public enum Piece: Sendable {
        /// Fixed text, encoded once.
        case encoded(QuotedPrintable.Chunk)
        /// Text encoded for this message.
        case text(String)
    }

    /// Renders like `render()`, with the plain-text and HTML parts given as pieces instead of `textBody` and
    /// `htmlBody`, straight into wire form.
    ///
    /// Fixed pieces (a layout around a personalised body, say) are encoded once for many messages; each piece
    /// starts a line of the encoded part, which decodes to the pieces joined. The headers are the same as
    /// `render()`'s.
    /// - Parameters:
    ///   - text: The plain-text part's pieces, in order.
    ///   - html: The HTML part's pieces; nil for a single text/plain part.
    /// - Returns: The message, ready for `SMTPPool.send`.
    /// - Throws: As `render()`.
    public func render(text: [Piece], html: [Piece]?) throws(MailError) -> WireMessage {
        var headers = try headerLines()
        let boundary = html == nil ? "" : self.boundary()
        if html == nil {
            headers.append("Content-Type: text/plain; charset=utf-8")
            headers.append("Content-Transfer-Encoding: quoted-printable")
        } else {
            headers.append(
                HeaderEncoding.fold(
                    name: "Content-Type", tokens: ["multipart/alternative;", "boundary=\"\(boundary)\""]))
        }
        var head = headers.joined(separator: "\r\n")
        let hasEightBitBytes = head.withUTF8 { bytes in bytes.contains { $0 >= 0x80 } }
        var writer = QuotedPrintableWriter(buffer: WireMessage.allocator.buffer(capacity: 8_192))
        writer.buffer.writeString(head)
        writer.buffer.writeStaticString("\r\n\r\n")
        func write(_ pieces: [Piece], into writer: inout QuotedPrintableWriter) {
            for piece in pieces {
                switch piece {
                case .encoded(let chunk): writer.append(chunk)
                case .text(let text): writer.append(text)
                }
            }
        }
        guard let html else {
            write(text, into: &writer)
            writer.buffer.writeStaticString("\r\n")
            return WireMessage(wireContent: writer.buffer, hasEightBitBytes: hasEightBitBytes)
        }
        writer.buffer.writeStaticString("This is a multi-part message in MIME format.\r\n")
        for (mediaType, pieces) in [("text/plain", text), ("text/html", html)] {
            writer.buffer.writeString("\r\n--\(boundary)\r\nContent-Type: \(mediaType); charset=utf-8\r\n")
            writer.buffer.writeStaticString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
            writer.startPart()
            write(pieces, into: &writer)
        }
        writer.buffer.writeString("\r\n--\(boundary)--\r\n")
        return WireMessage(wireContent: writer.buffer, hasEightBitBytes: hasEightBitBytes)
    }
}
