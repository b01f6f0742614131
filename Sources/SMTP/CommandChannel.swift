import Logging
import NIOCore
import NIOSSL

/// The async face of an SMTP channel: sends one command, returns its reply, logs code and timing.
struct CommandChannel: Sendable {
    /// The channel, with `SMTPReplyDecoder` and `SMTPClientHandler` in its pipeline.
    let channel: any Channel
    /// How long a reply may take unless a request says otherwise.
    let commandTimeout: TimeAmount
    /// Logs command verbs, reply codes and timings only.
    let logger: Logger
    /// The connection's first failure, as recorded by `SMTPClientHandler`.
    let failureRecord: FailureRecord

    /// Sends `line` followed by CRLF (or nothing when `nil`) and waits for the next reply.
    /// - Parameters:
    ///   - line: The command without CRLF; `nil` to only read a reply (the greeting).
    ///   - verb: What to log instead of the command, which may contain addresses or credentials.
    ///   - timeout: How long the reply may take; `commandTimeout` by default.
    /// - Returns: The reply, whatever its code.
    /// - Throws: `SMTPError.timeout` or `.connectionFailed`; reply codes are left to the caller.
    func execute(_ line: String?, verb: String, timeout: TimeAmount? = nil) async throws(SMTPError) -> SMTPReply {
        try await transmit(line.map { $0 + "\r\n" }, verb: verb, timeout: timeout)
    }

    /// Sends `text` exactly as given (for the DATA payload) and waits for the next reply.
    /// - Parameters:
    ///   - text: The bytes to send; `nil` to only read a reply.
    ///   - verb: What to log instead of the text.
    ///   - timeout: How long the reply may take; `commandTimeout` by default.
    /// - Returns: The reply, whatever its code.
    /// - Throws: `SMTPError.timeout` or `.connectionFailed`.
    func transmit(_ text: String?, verb: String, timeout: TimeAmount? = nil) async throws(SMTPError) -> SMTPReply {
        let promise = channel.eventLoop.makePromise(of: SMTPReply.self)
        let request = SMTPRequest(
            command: text.map { channel.allocator.buffer(string: $0) }, timeout: timeout ?? commandTimeout,
            promise: promise)
        let start = ContinuousClock.now
        // A write that never reaches the handler (channel already closed) must still complete the promise.
        channel.writeAndFlush(request).whenFailure { [failureRecord] _ in
            promise.fail(failureRecord.error ?? SMTPError.connectionFailed("The connection is closed."))
        }
        do {
            let reply = try await promise.futureResult.get()
            logger.debug(
                "SMTP reply",
                metadata: [
                    "smtp.command": "\(verb)", "smtp.code": "\(reply.code)",
                    "smtp.ms": "\(Self.milliseconds(since: start))",
                ])
            return reply
        } catch {
            let smtpError = error as? SMTPError ?? .connectionFailed("The connection failed: \(error)")
            logger.debug(
                "SMTP command failed",
                metadata: [
                    "smtp.command": "\(verb)", "smtp.error": "\(Self.kind(of: smtpError))",
                    "smtp.ms": "\(Self.milliseconds(since: start))",
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
