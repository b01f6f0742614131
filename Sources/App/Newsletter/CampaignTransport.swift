import Foundation
import Logging
import NIOCore
import NIOPosix
import SMTP

/// Where campaign messages go: a pool of SMTP connections, or `.eml` files when no relay is configured.
enum CampaignTransport: Sendable {
    case smtp(SMTPPool)
    case files(directory: String)

    /// A sender's session: its own SMTP connection for a series of messages, or the files folder.
    /// - Parameter loop: The event loop the sender runs on, whose connections it should use (SMTP).
    func session(preferring loop: (any EventLoop)?) -> CampaignSession {
        switch self {
        case .smtp(let pool): return .smtp(pool.session(preferring: loop))
        case .files(let directory): return .files(directory: directory)
        }
    }

    /// Prepares the transport for a campaign (the files folder).
    func prepare(campaignID: String) throws -> CampaignTransport {
        switch self {
        case .smtp: return self
        case .files(let directory):
            let folder = directory + "/" + campaignID
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            return .files(directory: folder)
        }
    }

    /// One executor per event loop of the SMTP connections, for senders that run beside them; none for files.
    func executors() -> [EventLoopTaskExecutor] {
        guard case .smtp(let pool) = self else { return [] }
        return pool.eventLoops.map { EventLoopTaskExecutor(eventLoop: $0) }
    }

    /// Closes pooled connections.
    func shutdown() async {
        if case .smtp(let pool) = self { await pool.shutdown() }
    }
}

/// Where one sender hands its messages over, one after the other.
enum CampaignSession {
    case smtp(SMTPSession)
    case files(directory: String)

    /// Hands one message over; over SMTP, the envelope of `next` (the message this session sends next) goes out
    /// with this message's end.
    /// - Parameters:
    ///   - message: The message.
    ///   - from: The envelope sender.
    ///   - recipient: The envelope recipient.
    ///   - name: The file name without `.eml` (files).
    ///   - next: The message that follows, with its recipient, when it is already known.
    /// - Throws: `SMTPError` as the relay answered; file errors.
    func send(
        _ message: WireMessage, from: String, to recipient: String, name: String,
        then next: (message: WireMessage, recipient: String)?
    ) async throws {
        switch self {
        case .smtp(let session):
            _ = try await session.send(
                message, from: from, to: [recipient], then: next.map { ($0.message, from, [$0.recipient]) })
        case .files(let directory):
            let path = directory + "/" + name + ".eml"
            try Data(message.bytes.readableBytesView).write(to: URL(fileURLWithPath: path + ".tmp"))
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
        }
    }

    /// Gives the connection back.
    func finish() async {
        if case .smtp(let session) = self { await session.finish() }
    }
}
