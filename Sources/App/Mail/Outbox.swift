import Foundation
import Policy
import SMTP
import SQLKit
import Storage
import Vault

/// A message to send: who to, and which template pair renders it.
struct OutgoingMail {
    /// The recipient's address.
    let to: String
    /// The recipient's name, if known.
    let name: String?
    /// The subject line.
    let subject: String
    /// The template pair: `emails/<template>.html` and `emails/<template>.txt`.
    let template: String
    /// What the templates show (besides `site` and `recipientName`, which are added).
    let model: [String: Any]
    /// What kind of message this is, for the console (`account.verify`, `staff.invite`, …).
    let kind: String
    /// The policy purpose the address is used for; the policy must let it use contact data.
    var purpose: String = "service"
}

/// Why the outbox refused a message.
enum OutboxError: Error, CustomStringConvertible {
    /// The policy does not let this purpose use e-mail addresses.
    case purposeNotAllowed(String)

    var description: String {
        switch self {
        case .purposeNotAllowed(let purpose): "the policy does not let purpose \(purpose) use contact data"
        }
    }
}

/// Every e-mail goes through the outbox: rendered, sealed and stored, then delivered by a durable job.
///
/// The stored message is sealed with the recipient's data key when they are a person Steward holds data on, so
/// erasing them also makes their queued and sent mail unreadable.
public struct Outbox: Sendable {
    /// The job kind that delivers one outbox message.
    static let jobKind = "mail.deliver"

    private let renderer: Renderer
    private let keyring: Keyring
    private let queue: SQLJobQueue
    private let clock: any WallClock
    private let from: String
    private let domain: String
    private let policy: PolicyState

    init(
        renderer: Renderer, keyring: Keyring, queue: SQLJobQueue, clock: any WallClock, from: String, domain: String,
        policy: PolicyState
    ) {
        self.policy = policy
        self.renderer = renderer
        self.keyring = keyring
        self.queue = queue
        self.clock = clock
        self.from = from
        self.domain = domain
    }

    /// Renders, seals and stores a message and enqueues its delivery, inside the caller's transaction.
    /// - Parameters:
    ///   - mail: The message.
    ///   - subject: The recipient's subject id and data key, when the recipient is a person Steward holds data on.
    ///   - db: The transaction.
    /// - Throws: `MailError` when an address or header is unacceptable.
    func enqueue(_ mail: OutgoingMail, sealedFor subject: (id: String, key: DataKey)?, on db: any SQLDatabase)
        async throws
    {
        guard policy.current.policy.purpose(mail.purpose)?.categories.contains("contact") == true else {
            throw OutboxError.purposeNotAllowed(mail.purpose)
        }
        let now = clock.milliseconds
        let id = Identifier.make()
        var model = mail.model
        model["recipientName"] = mail.name ?? ""
        model["site"] = [
            "name": renderer.site.name, "street": renderer.site.street, "postalCode": renderer.site.postalCode,
            "city": renderer.site.city, "country": renderer.site.country, "email": renderer.site.email,
        ]
        let text = renderer.render("emails/\(mail.template).txt", model) ?? ""
        let html = renderer.render("emails/\(mail.template).html", model)
        let message = MailMessage(
            from: try MailAddress(from, name: renderer.site.name),
            to: [try MailAddress(mail.to, name: mail.name)],
            subject: mail.subject,
            textBody: text,
            htmlBody: html,
            date: clock.now(),
            messageID: "\(id)@\(domain)")
        let raw = try message.render()
        let key = subject?.key ?? keyring.systemKey("outbox")
        try await db.insert(into: "outbox")
            .columns(
                "id", "subject_id", "kind", "recipient_enc", "envelope_from", "subject_enc", "message_enc", "status",
                "attempts", "created_at", "updated_at"
            )
            .values(
                SQLBind(id), SQLBind(subject?.id), SQLBind(mail.kind),
                SQLBind(key.sealColumn(mail.to, "outbox.recipient_enc")), SQLBind(from),
                SQLBind(key.sealColumn(mail.subject, "outbox.subject_enc")),
                SQLBind(key.sealColumn(raw, "outbox.message_enc")), SQLBind("pending"), SQLBind(0), SQLBind(now),
                SQLBind(now)
            )
            .run()
        let payload = String(decoding: try JSONEncoder().encode(["outboxID": id]), as: UTF8.self)
        try await queue.enqueue(kind: Self.jobKind, payload: payload, runAt: now, maxAttempts: 12, now: now, on: db)
    }
}
