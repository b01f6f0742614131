import NIOCore

/// Turns the server's bytes into `SMTPReply` values, joining the lines of multi-line replies (`250-…`/`250 …`).
///
/// A plain inbound handler rather than a `ByteToMessageDecoder` so that, right after the 220 reply to STARTTLS,
/// the connection can check that no plaintext is left over, which a man in the middle could have injected to be
/// read as if it had come through TLS.
final class SMTPReplyDecoder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = SMTPReply

    /// The longest reply line accepted; RFC 5321 allows 512 bytes, real servers sometimes send more.
    static let maximumLineLength = 8192
    /// The most lines one multi-line reply may have.
    static let maximumLines = 1000

    /// Bytes received but not yet decoded (an incomplete line).
    private var buffer = ByteBuffer()
    /// The lines of a multi-line reply whose last line has not arrived yet.
    private var partial: SMTPReply?
    /// Set after malformed input; everything after it is ignored.
    private var hasFailed = false

    /// Whether bytes or reply lines have been received that do not form a complete reply yet.
    var hasBufferedInput: Bool { buffer.readableBytes > 0 || partial != nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !hasFailed else {
            return
        }
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        do {
            while let line = try nextLine() {
                if let reply = try consume(line) {
                    context.fireChannelRead(wrapInboundOut(reply))
                }
            }
            buffer.discardReadBytes()
        } catch {
            hasFailed = true
            buffer.clear()
            partial = nil
            context.fireErrorCaught(error)
        }
    }

    /// Takes the next complete line (without CRLF or LF) out of the buffer.
    /// - Returns: The line's bytes, or `nil` when no complete line is buffered.
    /// - Throws: `SMTPError.connectionFailed` when an unterminated line grows past the limit.
    private func nextLine() throws(SMTPError) -> [UInt8]? {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximumLineLength {
                throw .connectionFailed("The server sent a reply line that is too long.")
            }
            return nil
        }
        let length = newline - buffer.readerIndex
        guard length <= Self.maximumLineLength, var line = buffer.readBytes(length: length + 1) else {
            throw .connectionFailed("The server sent a reply line that is too long.")
        }
        line.removeLast()
        if line.last == UInt8(ascii: "\r") {
            line.removeLast()
        }
        return line
    }

    /// Adds one line to the reply being assembled.
    /// - Returns: The reply when `line` was its last line, otherwise `nil`.
    /// - Throws: `SMTPError.connectionFailed` for a line that is not `ddd`, `ddd text` or `ddd-text`, or a
    ///   multi-line reply whose codes differ or that has too many lines.
    private func consume(_ line: [UInt8]) throws(SMTPError) -> SMTPReply? {
        let digits = line.prefix(3)
        guard digits.count == 3, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            (UInt8(ascii: "2")...UInt8(ascii: "5")).contains(digits.first!),
            let code = Int(String(decoding: digits, as: UTF8.self))
        else {
            throw .connectionFailed("The server sent a malformed reply.")
        }
        let separator = line.count > 3 ? line[3] : UInt8(ascii: " ")
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw .connectionFailed("The server sent a malformed reply.")
        }
        let text = String(decoding: line.dropFirst(4), as: UTF8.self)
        var reply = partial ?? SMTPReply(code: code, lines: [])
        guard reply.code == code, reply.lines.count < Self.maximumLines else {
            throw .connectionFailed("The server sent a malformed multi-line reply.")
        }
        reply.lines.append(text)
        if separator == UInt8(ascii: "-") {
            partial = reply
            return nil
        }
        partial = nil
        return reply
    }
}
