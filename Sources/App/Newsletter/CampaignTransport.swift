import Foundation
import Logging
import NIOCore
import NIOPosix
import SMTP

/// Where campaign messages go: a pool of SMTP connections, or `.eml` files when no relay is configured.
enum CampaignTransport: Sendable {
    case smtp(SMTPPool)
    case files(directory: String)

    /// Hands one message over.
    /// - Parameter loop: The event loop the caller runs on, whose connections it should use (SMTP).
    /// - Throws: `SMTPError` as the relay answered; file errors.
    func send(_ raw: String, from: String, to recipient: String, name: String, preferring loop: (any EventLoop)? = nil)
        async throws
    {
        switch self {
        case .smtp(let pool):
            _ = try await pool.send(raw, from: from, to: [recipient], preferring: loop)
        case .files(let directory):
            let path = directory + "/" + name + ".eml"
            try Data(raw.utf8).write(to: URL(fileURLWithPath: path + ".tmp"))
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
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
