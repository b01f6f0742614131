import Foundation

/// An e-mail message with a plain-text part and an optional HTML part.
///
/// The initializer does not validate; `render()` does, so a message can be assembled field by field.
public struct MailMessage: Sendable {
    /// The author (`From`); its address is also the envelope sender used by `SMTPClient`.
    public var from: MailAddress
    /// The recipients (`To`); also the envelope recipients used by `SMTPClient`.
    public var to: [MailAddress]
    /// Where replies should go (`Reply-To`), if not to `from`.
    public var replyTo: MailAddress?
    /// The subject; any Unicode text without line breaks.
    public var subject: String
    /// The plain-text body.
    public var textBody: String
    /// The HTML body; when set the message becomes multipart/alternative.
    public var htmlBody: String?
    /// The origination date (`Date` header).
    public var date: Date
    /// The message identifier without angle brackets, e.g. `uuid@example.com`.
    public var messageID: String
    /// Further headers such as `List-Unsubscribe`; names must not repeat the ones `render()` writes itself.
    public var extraHeaders: [(name: String, value: String)]

    /// Creates a message.
    /// - Parameters:
    ///   - from: The author.
    ///   - to: The recipients.
    ///   - subject: The subject.
    ///   - textBody: The plain-text body.
    ///   - htmlBody: The HTML alternative, if any.
    ///   - date: The origination date; now by default.
    ///   - messageID: The identifier without angle brackets; by default a random UUID at the sender's domain.
    ///   - replyTo: The reply address, if any.
    ///   - extraHeaders: Further headers, in order.
    public init(
        from: MailAddress, to: [MailAddress], subject: String, textBody: String, htmlBody: String? = nil,
        date: Date = Date(), messageID: String? = nil, replyTo: MailAddress? = nil,
        extraHeaders: [(name: String, value: String)] = []
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.date = date
        let domain = from.address.split(separator: "@").last.map(String.init) ?? "localhost"
        self.messageID = messageID ?? "\(UUID().uuidString.lowercased())@\(domain)"
        self.replyTo = replyTo
        self.extraHeaders = extraHeaders
    }
}
