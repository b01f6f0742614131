import Foundation
import Logging
import NIOCore
import SMTP

/// Delivers one outbox message: over SMTP when a relay is configured, else as an `.eml` file in the data folder.
///
/// Idempotent: a message already marked sent is not sent again. A 4xx reply or a broken connection retries
/// with backoff; a 5xx reply fails the message for good with the reason kept.
struct MailDeliveryJob: JobHandler {
    let repository: SQLOutboxRepository
    let transport: MailTransport
    let clock: any WallClock

    func run(payload: String, logger: Logger) async throws {
        let input = try JSONDecoder().decode([String: String].self, from: Data(payload.utf8))
        guard let id = input["outboxID"] else { throw JobError.permanent("payload has no outboxID") }
        guard let message = try await repository.find(id: id) else {
            // The recipient was erased (key destroyed) or the row removed: nothing left to send.
            logger.info("outbox message no longer readable; dropped", metadata: ["outbox.id": "\(id)"])
            return
        }
        guard message.status != "sent" else { return }
        do {
            try await transport.deliver(message)
            try await repository.mark(id: id, status: "sent", error: nil, now: clock.milliseconds)
            logger.info("mail delivered", metadata: ["outbox.id": "\(id)", "mail.kind": "\(message.kind)"])
        } catch let error as SMTPError {
            if error.isTransient {
                try await repository.mark(id: id, status: "pending", error: error.description, now: clock.milliseconds)
                throw JobError.retryable(error.description)
            }
            try await repository.mark(id: id, status: "failed", error: error.description, now: clock.milliseconds)
            logger.warning("mail refused by relay", metadata: ["outbox.id": "\(id)"])
        }
    }
}

/// How mail leaves Steward.
enum MailTransport: Sendable {
    case smtp(SMTPClientBox)
    case files(directory: String)

    func deliver(_ message: OutboxMessage) async throws {
        switch self {
        case .smtp(let box):
            try await box.send(raw: message.raw, from: message.envelopeFrom, to: [message.recipient])
        case .files(let directory):
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = directory + "/\(message.id).eml"
            let temporary = path + ".tmp"
            try Data(message.raw.utf8).write(to: URL(fileURLWithPath: temporary))
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
        }
    }

    var isRelay: Bool {
        if case .smtp = self { return true }
        return false
    }
}

/// The SMTP relay's settings and the event loops to reach it with.
struct SMTPClientBox: Sendable {
    let configuration: SMTPConfiguration
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger

    func send(raw: String, from: String, to: [String]) async throws {
        let connection = try await SMTPConnection.connect(
            configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
        do {
            _ = try await connection.send(raw, from: from, to: to)
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }
    }
}
