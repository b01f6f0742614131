import NIOCore

/// Runs tasks on one event loop, for senders that should run on the thread their connection runs on.
///
/// A task that prefers this executor (`group.addTask(executorPreference:)`) and sends on a connection of the same
/// loop (``SMTPPool/session(preferring:)``) never changes thread while it renders, writes and reads: each
/// hop onto the connection and back is a job queued on the loop it is already on, not a wake-up of another thread.
public final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop the tasks run on.
    public let eventLoop: any EventLoop

    /// Creates the executor for `eventLoop`.
    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute {
            job.runSynchronously(on: executor)
        }
    }
}
