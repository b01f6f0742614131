import Logging
import NIOCore
import NIOSSL

/// The async face of an SMTP channel: sends commands (one, or a pipelined group), returns their replies, logs
/// codes and timings.
struct CommandChannel: Sendable {
    /// The channel, with `SMTPReplyDecoder` and `SMTPClientHandler` in its pipeline.
    let channel: any Channel
    /// How long a reply may take unless a request says otherwise.
    let commandTimeout: TimeAmount
    /// Logs command verbs, reply codes and timings only.
    let logger: Logger
    /// The connection's first failure, as recorded by `SMTPClientHandler`.
    let failureRecord: FailureRecord

    /// One item of a `write(_:timeout:)` group.
    struct Outgoing: Sendable {
        /// The bytes to send, CRLF included; `nil` to only wait for a reply (the greeting).
        var bytes: ByteBuffer?
        /// What to log for the reply instead of the bytes, which may contain addresses, credentials or the
        /// message; `nil` when the bytes get no reply of their own (the message content before the `.`).
        var verb: String?
    }

    /// A reply that has been asked for and may not have arrived yet.
    struct PendingReply: Sendable {
        /// Completed by `SMTPClientHandler` with the reply or the connection's failure.
        let future: EventLoopFuture<SMTPReply>
        /// What to log instead of the command.
        let verb: String
        /// When the command was handed to the channel, for the logged timing.
        let start: ContinuousClock.Instant
    }

    /// Sends `line` followed by CRLF (or nothing when `nil`) and waits for the next reply.
    /// - Parameters:
    ///   - line: The command without CRLF; `nil` to only read a reply (the greeting).
    ///   - verb: What to log instead of the command, which may contain addresses or credentials.
    ///   - timeout: How long the reply may take; `commandTimeout` by default.
    ///   - isolation: Where the caller runs; the reply resumes it there.
    /// - Returns: The reply, whatever its code.
    /// - Throws: `SMTPError.timeout` or `.connectionFailed`; reply codes are left to the caller.
    func execute(
        _ line: String?, verb: String, timeout: TimeAmount? = nil, isolation: isolated (any Actor)? = #isolation
    ) async throws(SMTPError) -> SMTPReply {
        let bytes = line.map { channel.allocator.buffer(string: $0 + "\r\n") }
        return try await reply(to: write([Outgoing(bytes: bytes, verb: verb)], timeout: timeout)[0])
    }

    /// Writes `items` in order with a single flush, without waiting for any reply in between: a PIPELINING
    /// group, or the message content with its terminator. The kernel gets them in one `writev`.
    /// - Parameters:
    ///   - items: What to send; the replies are paired with the items that have a `verb`, in order.
    ///   - timeout: How long each reply may take, counted from the write; `commandTimeout` by default.
    /// - Returns: One pending reply per item with a `verb`, in order. Each completes (with the reply or the
    ///   connection's failure), so awaiting all of them never hangs.
    func write(_ items: [Outgoing], timeout: TimeAmount? = nil) -> [PendingReply] {
        let start = ContinuousClock.now
        let eventLoop = channel.eventLoop
        var requests: [SMTPRequest] = []
        requests.reserveCapacity(items.count)
        var pending: [PendingReply] = []
        pending.reserveCapacity(items.count)
        for item in items {
            var promise: EventLoopPromise<SMTPReply>?
            if let verb = item.verb {
                let replyPromise = eventLoop.makePromise(of: SMTPReply.self)
                pending.append(PendingReply(future: replyPromise.futureResult, verb: verb, start: start))
                promise = replyPromise
            }
            requests.append(SMTPRequest(command: item.bytes, timeout: timeout ?? commandTimeout, promise: promise))
        }
        let channel = self.channel
        let failureRecord = self.failureRecord
        let perform = { @Sendable [requests] in
            for request in requests {
                guard let promise = request.promise else {
                    channel.write(request, promise: nil)
                    continue
                }
                // A write that never reaches the handler (channel already closed) must still complete the promise.
                channel.write(request).whenFailure { _ in
                    promise.fail(failureRecord.error ?? SMTPError.connectionFailed("The connection is closed."))
                }
            }
            channel.flush()
        }
        if eventLoop.inEventLoop {
            perform()
        } else {
            // One hop onto the event loop for the whole group rather than one per write.
            eventLoop.execute(perform)
        }
        return pending
    }

    /// Waits for a reply asked for with `write(_:timeout:)` and logs its code and timing.
    /// - Parameters:
    ///   - pending: The reply to wait for.
    ///   - isolation: Where the caller runs; the reply resumes it there. On an `EventLoopIsolation` of this
    ///     channel's loop that is the thread that read the reply, with no switch.
    /// - Returns: The reply, whatever its code.
    /// - Throws: `SMTPError.timeout` or `.connectionFailed`; reply codes are left to the caller.
    func reply(
        to pending: PendingReply, isolation: isolated (any Actor)? = #isolation
    ) async throws(SMTPError) -> SMTPReply {
        // Not `future.get()`: as a nonisolated async function it would run on the global executor, a thread switch
        // away from the event loop.
        let result = await withCheckedContinuation(isolation: isolation) {
            (continuation: CheckedContinuation<Result<SMTPReply, any Error>, Never>) in
            pending.future.whenComplete { continuation.resume(returning: $0) }
        }
        do {
            let reply = try result.get()
            logger.debug(
                "SMTP reply",
                metadata: [
                    "smtp.command": "\(pending.verb)", "smtp.code": "\(reply.code)",
                    "smtp.ms": "\(Self.milliseconds(since: pending.start))",
                ])
            return reply
        } catch {
            let smtpError = error as? SMTPError ?? .connectionFailed("The connection failed: \(error)")
            logger.debug(
                "SMTP command failed",
                metadata: [
                    "smtp.command": "\(pending.verb)", "smtp.error": "\(Self.kind(of: smtpError))",
                    "smtp.ms": "\(Self.milliseconds(since: pending.start))",
                ])
            throw smtpError
        }
    }

    /// Puts TLS in front of the pipeline after the server's 220 reply to STARTTLS; the handshake starts at once
    /// and the next command is held back until it completes.
    /// - Parameters:
    ///   - context: The TLS client context.
    ///   - serverHostname: The name to send (SNI) and verify; `nil` for an IP address, which is verified instead.
    /// - Throws: `SMTPError.connectionFailed` when plaintext arrived after the 220 (possible injection) or the TLS
    ///   handler cannot be set up.
    func startTLS(context: NIOSSLContext, serverHostname: String?) async throws(SMTPError) {
        let channel = self.channel
        do {
            try await channel.eventLoop.submit {
                let pipeline = channel.pipeline.syncOperations
                let decoder = try pipeline.handler(type: SMTPReplyDecoder.self)
                let handler = try pipeline.handler(type: SMTPClientHandler.self)
                guard !decoder.hasBufferedInput, !handler.hasUnclaimedReplies else {
                    throw SMTPError.connectionFailed("The server sent data after agreeing to STARTTLS.")
                }
                let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                try pipeline.addHandler(tls, position: .first)
            }.get()
        } catch let error as SMTPError {
            channel.close(promise: nil)
            throw error
        } catch {
            channel.close(promise: nil)
            throw .connectionFailed("TLS could not be started: \(error)")
        }
    }

    /// Closes the channel, ignoring errors.
    func close() async {
        try? await channel.close()
    }

    /// Whole milliseconds elapsed since `start`.
    static func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }

    /// A log-safe label for an error: the reply code or the kind, never the server's text.
    static func kind(of error: SMTPError) -> String {
        switch error {
        case .transient(let code, _), .permanent(let code, _):
            return "\(code)"
        case .connectionFailed:
            return "connectionFailed"
        case .timeout:
            return "timeout"
        case .authenticationUnsupported:
            return "authenticationUnsupported"
        }
    }
}
