import NIOCore
import NIOSSL

/// Pairs each command written to the channel with the next reply read from it, in order.
///
/// Several commands may be written before any reply arrives (PIPELINING); each still gets its own reply, in the
/// order written. Requests without a promise (the DATA content) are written without waiting for a reply.
///
/// Replies nobody waits for yet (the greeting, an unsolicited 421) are kept for the next request. Once anything
/// goes wrong (timeout, closed connection, malformed input, TLS failure) every pending and later request fails
/// with the same `SMTPError` and the channel is closed: the reply stream can no longer be trusted.
final class SMTPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = SMTPReply
    typealias OutboundIn = SMTPRequest
    typealias OutboundOut = ByteBuffer

    /// The most unsolicited replies kept before the server is considered misbehaving.
    static let maximumUnclaimedReplies = 16

    /// A request waiting for its reply.
    private struct Waiter {
        /// Completed with the reply.
        var promise: EventLoopPromise<SMTPReply>
        /// Fails the connection when the reply is late.
        var timeoutTask: Scheduled<Void>
    }

    /// Requests waiting for replies, oldest first.
    private var waiters = CircularBuffer<Waiter>()
    /// Replies that arrived before anyone asked for them, oldest first.
    private var unclaimed = CircularBuffer<SMTPReply>()
    /// Set once the connection has failed; all requests then fail with it.
    private var failure: SMTPError?
    /// Shares the failure with commands that can no longer reach this handler.
    private let failureRecord: FailureRecord

    /// Creates the handler for one connection.
    /// - Parameter failureRecord: Where the first failure is recorded for the connection's other parts.
    init(failureRecord: FailureRecord) {
        self.failureRecord = failureRecord
    }

    /// Whether complete replies have arrived that no request has taken yet.
    var hasUnclaimedReplies: Bool { !unclaimed.isEmpty }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.promise?.fail(failure)
            promise?.fail(failure)
            return
        }
        // Register before writing: a write that fails at once must find the waiter to fail it.
        if let replyPromise = request.promise {
            if waiters.isEmpty, let reply = unclaimed.popFirst() {
                replyPromise.succeed(reply)
            } else {
                let timeoutTask = context.eventLoop.assumeIsolated().scheduleTask(in: request.timeout) { [self] in
                    self.fail(context: context, with: .timeout)
                }
                waiters.append(Waiter(promise: replyPromise, timeoutTask: timeoutTask))
            }
        }
        guard let command = request.command else {
            promise?.succeed()
            return
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.cascade(to: promise)
        written.futureResult.assumeIsolated().whenFailure { [self] error in
            self.fail(context: context, with: Self.classify(error))
        }
        context.write(wrapOutboundOut(command), promise: written)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        if let waiter = waiters.popFirst() {
            waiter.timeoutTask.cancel()
            waiter.promise.succeed(reply)
        } else if unclaimed.count < Self.maximumUnclaimedReplies {
            unclaimed.append(reply)
        } else {
            fail(context: context, with: .connectionFailed("The server sent replies nobody asked for."))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(context: context, with: .connectionFailed("The server closed the connection."))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, with: Self.classify(error))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(context: context, with: .connectionFailed("The connection was torn down."))
    }

    /// Records the first failure, fails every waiting request with it and closes the channel.
    private func fail(context: ChannelHandlerContext, with error: SMTPError) {
        if failure == nil {
            failure = error
            failureRecord.record(error)
        }
        let failure = self.failure ?? error
        while let waiter = waiters.popFirst() {
            waiter.timeoutTask.cancel()
            waiter.promise.fail(failure)
        }
        unclaimed.removeAll()
        if context.channel.isActive {
            context.close(promise: nil)
        }
    }

    /// Maps an error from the pipeline to an `SMTPError`.
    private static func classify(_ error: any Error) -> SMTPError {
        switch error {
        case let error as SMTPError:
            return error
        case is NIOSSLError, is BoringSSLError, is NIOSSLExtraError:
            return .connectionFailed("TLS failed: \(error)")
        default:
            return .connectionFailed("The connection failed: \(error)")
        }
    }
}
