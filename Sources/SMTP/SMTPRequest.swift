import NIOCore

/// What the connection writes into the channel: bytes and, when a reply is expected, the promise for it.
struct SMTPRequest: Sendable {
    /// The bytes to send, CRLF included; `nil` to only wait for the next reply (the greeting).
    var command: ByteBuffer?
    /// How long the server may take to reply.
    var timeout: TimeAmount
    /// Completed with the reply, or failed with an `SMTPError`; `nil` for bytes that get no reply of their own
    /// (the message content, which the reply to the terminating `.` answers).
    var promise: EventLoopPromise<SMTPReply>?
}
