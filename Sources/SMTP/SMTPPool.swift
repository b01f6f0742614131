import Logging
import NIOCore
import Synchronization

/// Up to `size` connections to one relay, shared by concurrent senders: each message runs on a connection of its
/// own, so `size` messages are in flight at once.
///
/// Connections are opened lazily, when every open one is busy and fewer than `size` are open; otherwise a sender
/// waits for the first one to come free (in arrival order). A connection that failed (timeout, 421, dropped, or
/// closed by the server while idle) is discarded and its place taken by a new connection on next use. After
/// `maxMessagesPerConnection` messages a connection says QUIT and is replaced, which bounds how long one session
/// lasts. Logs carry only host, port, counts, codes and timings.
public final class SMTPPool: Sendable {
    /// A connection and how many messages it has carried.
    struct Lease: Sendable {
        /// The connection.
        let connection: SMTPConnection
        /// Transactions started on it, failed ones included.
        var messages = 0
    }

    /// What a sender gets from `acquire()`.
    private enum Grant: Sendable {
        /// An idle, usable connection.
        case connection(Lease)
        /// A place to open a new connection in; `stale` is an idle connection found broken, to be closed.
        case open(stale: SMTPConnection?)
    }

    /// A sender waiting for a connection.
    private struct Waiter {
        /// Identifies the waiter for cancellation.
        let id: UInt64
        /// Resumed with a grant, or with an error at shutdown or cancellation.
        let continuation: CheckedContinuation<Grant, any Error>
    }

    /// The pool's mutable state.
    private struct State {
        /// Usable connections nobody is sending on, most recently used last.
        var idle: [Lease] = []
        /// Connections open or being opened, busy or idle; never more than `size`.
        var openCount = 0
        /// Senders waiting for a connection, oldest first.
        var waiters = CircularBuffer<Waiter>()
        /// The next waiter's id.
        var nextWaiterID: UInt64 = 0
        /// Set by `shutdown()`; sends then fail.
        var isShutDown = false
        /// `shutdown()` calls waiting for the last connection to close.
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Where and how to connect.
    private let configuration: SMTPConfiguration
    /// The most connections open at once.
    private let size: Int
    /// How many messages a connection carries before it is replaced.
    let maxMessagesPerConnection: Int
    /// The event loops connections run on.
    private let eventLoopGroup: any EventLoopGroup
    /// Handed to each connection; the pool's own entries carry counts only.
    private let logger: Logger
    /// Allocates the message buffers, prepared before a connection is taken.
    private let allocator = ByteBufferAllocator()
    /// The guarded state.
    private let state = Mutex(State())

    /// Creates a pool; nothing connects until the first `send`.
    /// - Parameters:
    ///   - configuration: Where and how to reach the relay.
    ///   - size: The most connections open at once, at least 1 (smaller values are taken as 1).
    ///   - maxMessagesPerConnection: How many messages one connection carries before QUIT and a new one, at
    ///     least 1.
    ///   - eventLoopGroup: The event loops to run on, e.g. `MultiThreadedEventLoopGroup.singleton`.
    ///   - logger: Receives debug entries with host, port, counts, codes and timings only.
    public init(
        configuration: SMTPConfiguration, size: Int, maxMessagesPerConnection: Int = 10_000,
        eventLoopGroup: any EventLoopGroup, logger: Logger
    ) {
        self.configuration = configuration
        self.size = max(size, 1)
        self.maxMessagesPerConnection = max(maxMessagesPerConnection, 1)
        self.eventLoopGroup = eventLoopGroup
        var logger = logger
        logger[metadataKey: "smtp.host"] = "\(configuration.host)"
        logger[metadataKey: "smtp.port"] = "\(configuration.port)"
        self.logger = logger
    }

    /// Sends one message on a pooled connection (opening one when fewer than `size` are open and all are busy,
    /// else waiting for one). A connection that failed (timeout, 421, dropped) is discarded and replaced on next
    /// use.
    /// - Parameters:
    ///   - rawMessage: The RFC 5322 message; any line endings.
    ///   - envelopeFrom: The envelope sender; empty for the null sender `<>`.
    ///   - recipients: The envelope recipients, at least one; any refused recipient fails the whole message.
    /// - Returns: The server's reply text to the end of DATA, usually with its queue id.
    /// - Throws: As `SMTPConnection.send(_:from:to:)`, plus the errors of `SMTPConnection.connect` when a new
    ///   connection cannot be opened (e.g. `.transient` for a 421 greeting), `.connectionFailed` after
    ///   `shutdown()`, and `CancellationError` when the task is cancelled while waiting for a connection.
    /// - Important: `.transient` and `.permanent` mean the message was not accepted; a retry of `.transient` is
    ///   safe. After `.connectionFailed` or `.timeout` it may have been: the failure may have come after the
    ///   final `.` was written and before its reply arrived, so a retry may deliver it twice.
    public func send(_ rawMessage: String, from envelopeFrom: String, to recipients: [String]) async throws -> String {
        try SMTPConnection.validateEnvelope(from: envelopeFrom, to: recipients)
        return try await send(DataPayload(rawMessage, allocator: allocator), from: envelopeFrom, to: recipients)
    }

    /// A sender's own connection for a series of messages, see ``SMTPSession``.
    /// - Parameter loop: The event loop the sender runs on; `nil` for any.
    public func session(preferring loop: (any EventLoop)?) -> SMTPSession {
        SMTPSession(pool: self, loop: loop)
    }

    /// The event loops connections may run on, one ``EventLoopTaskExecutor`` each for senders that want to run
    /// beside their connections.
    public var eventLoops: [any EventLoop] {
        Array(eventLoopGroup.makeIterator())
    }

    /// Sends one message given as bytes, like `send(_:from:to:)` with a `String`; bytes already in wire form
    /// (CRLF only, ending in CRLF, no line starting with `.`) are written without a copy.
    /// - Parameters:
    ///   - rawMessage: The RFC 5322 message's bytes (the readable bytes), not dot-stuffed; any line endings.
    ///   - envelopeFrom: The envelope sender; empty for the null sender `<>`.
    ///   - recipients: The envelope recipients, at least one.
    /// - Returns: The server's reply text to the end of DATA.
    /// - Throws: As `send(_:from:to:)` with a `String`.
    public func send(
        _ rawMessage: ByteBuffer, from envelopeFrom: String, to recipients: [String]
    ) async throws -> String {
        try SMTPConnection.validateEnvelope(from: envelopeFrom, to: recipients)
        return try await send(DataPayload(rawMessage, allocator: allocator), from: envelopeFrom, to: recipients)
    }

    /// Closes every connection with QUIT; later sends throw `SMTPError.connectionFailed`. Senders waiting for a
    /// connection fail the same way; messages already in flight finish first, and this returns once their
    /// connections are closed too. Calling it again waits the same way and does nothing more.
    public func shutdown() async {
        let (idle, waiters) = state.withLock { state in
            state.isShutDown = true
            defer {
                state.idle.removeAll()
                state.waiters.removeAll()
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: SMTPError.connectionFailed("The connection pool is shut down."))
        }
        await withTaskGroup(of: Void.self) { group in
            for lease in idle {
                group.addTask { await lease.connection.close() }
            }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let isClosed = state.withLock { state in
                state.openCount -= idle.count
                if state.openCount == 0 {
                    return true
                }
                state.shutdownWaiters.append(continuation)
                return false
            }
            if isClosed {
                continuation.resume()
            }
        }
        logger.debug("SMTP pool shut down", metadata: ["smtp.connections": "\(idle.count)"])
    }

    /// Runs one transaction on a leased connection and gives the connection back.
    /// - Parameters:
    ///   - payload: The message in wire form.
    ///   - envelopeFrom: The validated envelope sender.
    ///   - recipients: The validated envelope recipients.
    /// - Returns: The server's reply text to the end of DATA.
    /// - Throws: See `send(_:from:to:)`.
    private func send(_ payload: DataPayload, from envelopeFrom: String, to recipients: [String]) async throws
        -> String
    {
        var lease = try await lease(preferring: nil)
        lease.messages += 1
        do {
            let reply = try await lease.connection.send(payload, from: envelopeFrom, to: recipients)
            await release(lease)
            return reply
        } catch {
            await release(lease)
            throw error
        }
    }

    /// A connection for one transaction: an idle one, a new one, or the next one given back.
    /// - Returns: The connection with its message count.
    /// - Throws: `SMTPError` when a new connection cannot be opened or the pool is shut down;
    ///   `CancellationError`.
    func lease(preferring loop: (any EventLoop)?) async throws -> Lease {
        switch try await acquire(preferring: loop) {
        case .connection(let lease):
            return lease
        case .open(let stale):
            if let stale {
                await stale.close()
            }
            do {
                let connection = try await SMTPConnection.connect(
                    configuration: configuration, eventLoopGroup: loop ?? eventLoopGroup, logger: logger)
                logger.debug("SMTP pool opened a connection")
                return Lease(connection: connection)
            } catch {
                vacate()
                throw error
            }
        }
    }

    /// An idle connection to hand out, or the place it leaves when the server closed it while idle (checked here,
    /// so that such a connection is not handed out).
    private static func grant(_ lease: Lease) -> Grant {
        lease.connection.isUsable ? .connection(lease) : .open(stale: lease.connection)
    }

    /// Takes an idle usable connection, or a place to open one, or waits in line for either.
    /// - Returns: What the sender may use.
    /// - Throws: `SMTPError.connectionFailed` after `shutdown()`; `CancellationError`.
    private func acquire(preferring loop: (any EventLoop)?) async throws -> Grant {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                let immediate = state.withLock { state -> Result<Grant, any Error>? in
                    if state.isShutDown {
                        return .failure(SMTPError.connectionFailed("The connection pool is shut down."))
                    }
                    // An idle connection (on the caller's loop, when it names one) first; else a new one (there)
                    // while there is room; else any idle one.
                    let idle =
                        loop.map { loop in state.idle.lastIndex { $0.connection.eventLoop === loop } }
                        ?? state.idle.indices.last
                    if let idle {
                        return .success(Self.grant(state.idle.remove(at: idle)))
                    }
                    if state.openCount < size {
                        state.openCount += 1
                        return .success(.open(stale: nil))
                    }
                    if let lease = state.idle.popLast() {
                        return .success(Self.grant(lease))
                    }
                    // Checked under the lock: the cancellation handler, which also takes it, then either runs
                    // before (and this sees the flag) or finds the waiter.
                    if Task.isCancelled {
                        return .failure(CancellationError())
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate {
                    continuation.resume(with: immediate)
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                    return nil
                }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Gives a connection back after a transaction: to the next waiter or the idle list when it is still usable,
    /// has messages left and waits for no content announced ahead; otherwise closes it (QUIT when it is still open
    /// and waits for no content) and frees its place.
    /// - Parameter lease: The connection and its message count.
    func release(_ lease: Lease) async {
        if lease.connection.isUsable, !lease.connection.hasPreparedEnvelope,
            lease.messages < maxMessagesPerConnection
        {
            let (isKept, waiter) = state.withLock { state -> (Bool, Waiter?) in
                if state.isShutDown {
                    return (false, nil)
                }
                if let waiter = state.waiters.popFirst() {
                    return (true, waiter)
                }
                state.idle.append(lease)
                return (true, nil)
            }
            if isKept {
                waiter?.continuation.resume(returning: .connection(lease))
                return
            }
        }
        await lease.connection.close()
        vacate()
    }

    /// Frees the place of a connection that was closed or could not be opened: hands it to the next waiter as a
    /// place to open a connection in, or wakes `shutdown()` when it was the last one.
    private func vacate() {
        let (waiter, shutdownWaiters) = state.withLock { state -> (Waiter?, [CheckedContinuation<Void, Never>]) in
            if !state.isShutDown, let waiter = state.waiters.popFirst() {
                return (waiter, [])
            }
            state.openCount -= 1
            guard state.isShutDown, state.openCount == 0 else {
                return (nil, [])
            }
            defer { state.shutdownWaiters.removeAll() }
            return (nil, state.shutdownWaiters)
        }
        waiter?.continuation.resume(returning: .open(stale: nil))
        for continuation in shutdownWaiters {
            continuation.resume()
        }
    }
}

/// One sender's connection from a pool, kept for a series of messages so that each message's envelope can go out
/// with the previous message's final dot (see ``send(_:from:to:then:)``).
///
/// The connection is leased on the first send and kept; a broken one is given back and replaced on the next
/// send, and one that carried the pool's limit of messages is replaced too. Call ``finish()`` when done. A
/// session is for one task; it is not shared.
public final class SMTPSession {
    private let pool: SMTPPool
    private let loop: (any EventLoop)?
    private var lease: SMTPPool.Lease?

    init(pool: SMTPPool, loop: (any EventLoop)?) {
        self.pool = pool
        self.loop = loop
    }

    deinit {
        if let lease {
            let pool = pool
            Task { await pool.release(lease) }
        }
    }

    /// Sends one message; with `next`, that message's envelope goes out together with this message's end, and
    /// the next `send` should be that message (another one is sent on a new connection, the first being closed
    /// without delivering anything).
    /// - Parameters:
    ///   - message: The message.
    ///   - envelopeFrom: The envelope sender; empty for `<>`.
    ///   - recipients: The envelope recipients, at least one.
    ///   - next: The message that will be sent next, with its envelope, if known.
    /// - Returns: The server's reply text to the end of DATA.
    /// - Throws: As `SMTPPool.send(_:from:to:)`; `next`'s envelope is checked too (`MailError`).
    public func send(
        _ message: WireMessage, from envelopeFrom: String, to recipients: [String],
        then next: (message: WireMessage, from: String, to: [String])?
    ) async throws -> String {
        try SMTPConnection.validateEnvelope(from: envelopeFrom, to: recipients)
        if let next {
            try SMTPConnection.validateEnvelope(from: next.from, to: next.to)
        }
        // Another message than the one announced cannot use the connection: the announced envelope cannot be
        // taken back, so the connection goes (without delivering anything) and a new one takes the message.
        if let current = lease,
            !current.connection.isUsable || current.messages >= pool.maxMessagesPerConnection
                || current.connection.hasPreparedEnvelope(otherThan: envelopeFrom, to: recipients)
        {
            lease = nil
            await pool.release(current)
        }
        var current: SMTPPool.Lease
        if let lease {
            current = lease
        } else {
            current = try await pool.lease(preferring: loop)
        }
        current.messages += 1
        // The last message the connection may carry announces nothing: the connection is replaced after it.
        let ahead =
            current.messages < pool.maxMessagesPerConnection
            ? next.map {
                SMTPConnection.NextEnvelope(
                    from: $0.from, recipients: $0.to, hasEightBitBytes: $0.message.payload.hasEightBitBytes)
            } : nil
        lease = current
        return try await current.connection.send(message.payload, from: envelopeFrom, to: recipients, then: ahead)
    }

    /// Gives the connection back (or closes it when a next message's envelope went out and the message did not).
    public func finish() async {
        guard let current = lease else { return }
        lease = nil
        await pool.release(current)
    }
}
