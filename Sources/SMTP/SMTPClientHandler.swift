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
        /// When the reply is late: the connection fails then.
        var deadline: NIODeadline
    }

    /// Requests waiting for replies, oldest first.
    private var waiters = CircularBuffer<Waiter>()
    /// Replies that arrived before anyone asked for them, oldest first.
    private var unclaimed = CircularBuffer<SMTPReply>()
    /// Set once the connection has failed; all requests then fail with it.
    private var failure: SMTPError?
    /// Shares the failure with commands that can no longer reach this handler.
    private let failureRecord: FailureRecord
    /// The one timer of the connection, armed for the oldest waiter's deadline (or an earlier one). When it fires
    /// it checks the oldest waiter and re-arms, so a busy connection schedules a timer about once per timeout
    /// rather than once per command.
    private var timer: (task: Scheduled<Void>, deadline: NIODeadline)?

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
                let deadline = NIODeadline.now() + request.timeout
                waiters.append(Waiter(promise: replyPromise, deadline: deadline))
                if timer.map({ deadline < $0.deadline }) ?? true {
                    arm(context: context, at: deadline)
                }
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
        timer?.task.cancel()
        timer = nil
        while let waiter = waiters.popFirst() {
            waiter.promise.fail(failure)
        }
        unclaimed.removeAll()
        if context.channel.isActive {
            context.close(promise: nil)
        }
    }

    /// Schedules the timer for `deadline`.
    private func arm(context: ChannelHandlerContext, at deadline: NIODeadline) {
        timer?.task.cancel()
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            self.timer = nil
            self.checkDeadline(context: context)
        }
        timer = (task, deadline)
    }

    /// Fails the connection when a waiting reply is late, otherwise re-arms the timer for the earliest deadline
    /// (none when nothing waits; the next request arms it).
    private func checkDeadline(context: ChannelHandlerContext) {
        guard failure == nil else { return }
        let now = NIODeadline.now()
        guard let earliest = waiters.lazy.map(\.deadline).min() else { return }
        if earliest <= now {
            fail(context: context, with: .timeout)
        } else {
            arm(context: context, at: earliest)
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
