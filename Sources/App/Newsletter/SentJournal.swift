import Foundation
import Synchronization

/// An append-only file of the deliveries the relay accepted, written the moment each is accepted.
///
/// Marking every accepted message in the database before its connection sends the next one costs a database
/// round trip per message. Instead, each accepted delivery id is appended to this file with one `write` (which
/// survives the process being killed: the data is in the kernel's page cache), and the database is brought up to
/// date in large batches a few times a second. After a crash, the next start of the same instance replays the
/// file before anything else, so the crash-safety promise is the same: only the message in flight on each
/// connection can be sent twice.
///
/// The file rotates at each batch: the current file is closed and a new one opened, the closed file's ids are
/// written to the database, and only then is the closed file deleted.
final class SentJournal: Sendable {
    private struct State {
        var descriptor: Int32
        var path: String
        var generation: Int
        var ids: [Int64]
    }

    private let directory: String
    private let prefix: String
    private let state: Mutex<State>

    /// Opens a new journal file for this instance.
    /// - Parameters:
    ///   - directory: The spool folder (created when missing).
    ///   - node: The instance's name; its files are kept apart from other instances' (a command-line send, say).
    init(directory: String, node: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.prefix = Self.prefix(for: node)
        let generation = Int(Date().timeIntervalSince1970 * 1000)
        let path = directory + "/" + prefix + "\(generation).log"
        let descriptor = try Self.open(path)
        state = Mutex(State(descriptor: descriptor, path: path, generation: generation, ids: []))
    }

    deinit {
        state.withLock { state in
            if state.descriptor >= 0 { close(state.descriptor) }
        }
    }

    /// Records an accepted delivery. Returns once the id is in the file.
    func append(_ id: Int64) throws {
        let line = Array("\(id)\n".utf8)
        try state.withLock { state in
            let written = line.withUnsafeBytes { write(state.descriptor, $0.baseAddress, $0.count) }
            guard written == line.count else { throw JournalError.writeFailed(errno) }
            state.ids.append(id)
        }
    }

    /// Closes the current file and starts a new one.
    /// - Returns: The closed file's path and ids: write the ids to the database, then ``remove(_:)`` the file.
    func rotate() throws -> (path: String, ids: [Int64]) {
        try state.withLock { state in
            let old = (path: state.path, ids: state.ids)
            close(state.descriptor)
            state.generation += 1
            state.path = directory + "/" + prefix + "\(state.generation).log"
            state.descriptor = try Self.open(state.path)
            state.ids = []
            return old
        }
    }

    /// Deletes a closed file whose ids are in the database.
    func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Files an earlier run of this instance left behind (it was killed), with their ids.
    static func leftovers(directory: String, node: String, except current: SentJournal? = nil) -> [(
        path: String, ids: [Int64]
    )] {
        let prefix = prefix(for: node)
        let open = current?.state.withLock { $0.path }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".log") }.sorted().compactMap { name in
            let path = directory + "/" + name
            guard path != open, let data = FileManager.default.contents(atPath: path) else { return nil }
            // A line cut short by the crash has no newline and is left out: its message was still in flight.
            let text = String(decoding: data, as: UTF8.self)
            let complete = text.hasSuffix("\n") ? text : String(text[..<(text.lastIndex(of: "\n") ?? text.startIndex)])
            return (path, complete.split(separator: "\n").compactMap { Int64($0) })
        }
    }

    private static func prefix(for node: String) -> String {
        "sent-" + String(node.map { $0.isLetter || $0.isNumber ? $0 : "_" }) + "-"
    }

    private static func open(_ path: String) throws -> Int32 {
        let descriptor = path.withCString { Foundation.open($0, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600) }
        guard descriptor >= 0 else { throw JournalError.openFailed(errno) }
        return descriptor
    }
}

/// Why the journal could not be written.
enum JournalError: Error {
    case openFailed(Int32)
    case writeFailed(Int32)
}
