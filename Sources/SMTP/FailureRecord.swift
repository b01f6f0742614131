import Synchronization

/// The first failure of a connection, kept where it survives the pipeline being torn down.
///
/// Once a channel closes its handlers are removed, so a later command never reaches `SMTPClientHandler` and
/// would only learn "the channel is closed"; this record lets it report the real cause (e.g. a malformed reply).
final class FailureRecord: Sendable {
    /// The guarded first failure.
    private let storage = Mutex<SMTPError?>(nil)

    /// The first failure recorded, if any.
    var error: SMTPError? { storage.withLock { $0 } }

    /// Records `error` unless a failure was recorded before.
    func record(_ error: SMTPError) {
        storage.withLock { stored in
            if stored == nil {
                stored = error
            }
        }
    }
}
