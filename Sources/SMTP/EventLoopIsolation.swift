import NIOCore

/// An actor that runs on a channel's event loop: code isolated to it runs on the loop's thread.
///
/// A transaction isolated to it writes its commands straight into the channel and is resumed by each reply on the
/// thread that read it, so a message costs two thread switches (onto the loop and back) instead of two per round
/// trip.
actor EventLoopIsolation {
    /// The event loop everything isolated to this actor runs on.
    nonisolated let eventLoop: any EventLoop

    /// Creates the isolation for `eventLoop`.
    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        eventLoop.executor.asUnownedSerialExecutor()
    }
}
