import NIOCore

/// What the connection writes into the channel: a command and the promise for the reply that answers it.
struct SMTPRequest: Sendable {
    /// The bytes to send, CRLF included; `nil` to only wait for the next reply (the greeting).
    var command: ByteBuffer?
    /// How long the server may take to reply.
    var timeout: TimeAmount
    /// Completed with the reply, or failed with an `SMTPError`.
    var promise: EventLoopPromise<SMTPReply>
}
