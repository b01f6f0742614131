import Foundation
import Mailing
import SMTP

/// Turns a campaign into one message per recipient: compiled once, then personalised cheaply for each.
///
/// The Markdown is compiled to HTML and text once (``CampaignContent``); the e-mail layout is rendered once around
/// markers and split, so a recipient's message is the personalised body placed between fixed pieces.
struct CampaignComposer: Sendable {
    /// Variables a campaign may use.
    static let variables: Set<String> = ["name", "email", "list_name", "site_name", "unsubscribe_url"]

    private static let bodyMarker = "\u{1}STEWARD-BODY\u{1}"
    private static let linkMarker = "\u{1}STEWARD-UNSUBSCRIBE\u{1}"

    let content: CampaignContent
    let listName: String
    let listID: String
    let siteName: String
    let from: MailAddress
    let domain: String
    /// The HTML layout split around the body and the unsubscribe link: [before body, between, after link].
    private let htmlPieces: [String]
    private let textPieces: [String]
    /// The same pieces quoted-printable encoded, once for every message.
    private let htmlChunks: [QuotedPrintable.Chunk]
    private let textChunks: [QuotedPrintable.Chunk]
    let signer: DKIMSigner?
    let unsubscribeMailbox: String

    /// Compiles a campaign.
    /// - Throws: ``CampaignContentError`` when the Markdown or a Mustache tag is wrong.
    init(
        campaign: Campaign, list: MailingList, renderer: Renderer, from: String, domain: String, signer: DKIMSigner?,
        unsubscribeMailbox: String
    ) throws {
        content = try CampaignContent(subject: campaign.subject, markdown: campaign.body, variables: Self.variables)
        listName = list.name
        listID = list.id
        siteName = renderer.site.name
        self.from = try MailAddress(from, name: renderer.site.name)
        self.domain = domain
        self.signer = signer
        self.unsubscribeMailbox = unsubscribeMailbox
        let model: [String: Any] = [
            "body": Self.bodyMarker, "unsubscribeURL": Self.linkMarker, "listName": list.name,
            "site": [
                "name": renderer.site.name, "street": renderer.site.street, "postalCode": renderer.site.postalCode,
                "city": renderer.site.city, "country": renderer.site.country, "email": renderer.site.email,
            ],
        ]
        htmlPieces = Self.split(renderer.render("emails/campaign.html", model) ?? Self.bodyMarker + Self.linkMarker)
        textPieces = Self.split(renderer.render("emails/campaign.txt", model) ?? Self.bodyMarker + Self.linkMarker)
        htmlChunks = htmlPieces.map(QuotedPrintable.Chunk.init)
        textChunks = textPieces.map(QuotedPrintable.Chunk.init)
    }

    /// One recipient's message, ready for SMTP.
    /// - Parameters:
    ///   - email: The recipient's address.
    ///   - name: The recipient's name, if known.
    ///   - unsubscribeURL: Their one-click link.
    ///   - token: Their unsubscribe token (for the mailto alternative).
    ///   - messageID: The Message-ID without brackets.
    ///   - date: The Date header.
    ///   - tracking: The open pixel and link rewriting for a recipient who consented to tracking; nil for
    ///     everyone else, whose message is left untouched.
    func message(
        email: String, name: String?, unsubscribeURL: String, token: String, messageID: String, date: Date,
        tracking: MessageTracking? = nil
    ) throws -> String {
        let parts = parts(email: email, name: name, unsubscribeURL: unsubscribeURL, tracking: tracking)
        let message = try mail(
            email: email, name: name, subject: parts.subject, text: parts.text, html: parts.html,
            unsubscribeURL: unsubscribeURL, token: token, messageID: messageID, date: date)
        let raw = try message.render()
        return try signer.map { try $0.sign(raw, at: date) } ?? raw
    }

    /// One recipient's message like ``message(email:name:unsubscribeURL:token:messageID:date:tracking:)``, in
    /// SMTP's wire form: the layout around the body is encoded once per campaign, not per message. With DKIM the
    /// message is rendered and signed as text first.
    func wireMessage(
        email: String, name: String?, unsubscribeURL: String, token: String, messageID: String, date: Date,
        tracking: MessageTracking? = nil
    ) throws -> WireMessage {
        if signer != nil {
            return WireMessage(
                try message(
                    email: email, name: name, unsubscribeURL: unsubscribeURL, token: token, messageID: messageID,
                    date: date, tracking: tracking))
        }
        let body = body(email: email, name: name, unsubscribeURL: unsubscribeURL, tracking: tracking)
        let message = try mail(
            email: email, name: name, subject: body.subject, text: "", html: nil, unsubscribeURL: unsubscribeURL,
            token: token, messageID: messageID, date: date)
        return try message.render(
            text: [
                .encoded(textChunks[0]), .text(body.text), .encoded(textChunks[1]), .text(unsubscribeURL),
                .encoded(textChunks[2]),
            ],
            html: [
                .encoded(htmlChunks[0]), .text(body.html), .encoded(htmlChunks[1]),
                .text(CampaignContent.htmlEscaped(unsubscribeURL)),
                .encoded(htmlChunks[2]),
            ])
    }

    /// The message with its headers; the parts are given as they are.
    private func mail(
        email: String, name: String?, subject: String, text: String, html: String?, unsubscribeURL: String,
        token: String, messageID: String, date: Date
    ) throws -> MailMessage {
        MailMessage(
            from: from, to: [try MailAddress(email, name: name?.isEmpty == false ? name : nil)],
            subject: subject, textBody: text, htmlBody: html, date: date, messageID: messageID,
            extraHeaders: [
                (
                    "List-Unsubscribe",
                    "<\(unsubscribeURL)>, <mailto:\(unsubscribeMailbox)?subject=unsubscribe%20\(token)>"
                ),
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                ("List-Id", "\(listName.filter { $0 != "<" && $0 != ">" && !$0.isNewline }) <\(listID).\(domain)>"),
                ("Precedence", "bulk"),
            ])
    }

    /// The personalised subject, full HTML document and text of one recipient's message.
    ///
    /// With `tracking`, the web links of the body (not the unsubscribe link, not the layout's) lead through the
    /// tracking route and a 1×1 image follows the body; the plain text is never changed.
    func parts(email: String, name: String?, unsubscribeURL: String, tracking: MessageTracking? = nil) -> (
        subject: String, html: String, text: String
    ) {
        let body = body(email: email, name: name, unsubscribeURL: unsubscribeURL, tracking: tracking)
        let html =
            htmlPieces[0] + body.html + htmlPieces[1] + CampaignContent.htmlEscaped(unsubscribeURL) + htmlPieces[2]
        let text = textPieces[0] + body.text + textPieces[1] + unsubscribeURL + textPieces[2]
        return (body.subject, html, text)
    }

    /// The personalised subject, HTML body (without the layout) and text body of one recipient's message.
    private func body(email: String, name: String?, unsubscribeURL: String, tracking: MessageTracking?) -> (
        subject: String, html: String, text: String
    ) {
        let values = [
            "name": name ?? "", "email": email, "list_name": listName, "site_name": siteName,
            "unsubscribe_url": unsubscribeURL,
        ]
        let rendered = content.render(values)
        var body = rendered.html
        if let link = tracking?.link {
            body = LinkRewriter.rewrite(body) { url in url == unsubscribeURL ? nil : link(url) }
        }
        if let pixel = tracking?.pixelURL {
            body +=
                "<img src=\"\(CampaignContent.htmlEscaped(pixel))\" width=\"1\" height=\"1\" alt=\"\" "
                + "style=\"display:block;width:1px;height:1px;border:0\">"
        }
        return (rendered.subject, body, rendered.text)
    }

    /// Splits a rendered layout at the body marker and the link marker into exactly three pieces.
    private static func split(_ rendered: String) -> [String] {
        let body = rendered.components(separatedBy: bodyMarker)
        let before = body.first ?? ""
        let rest = body.dropFirst().joined()
        let link = rest.components(separatedBy: linkMarker)
        // A layout that shows the link more than once keeps every occurrence but the first as text.
        return [before, link.first ?? "", link.dropFirst().joined(separator: "")]
    }
}

/// How one recipient's campaign message is tracked (only with the recipient's consent).
struct MessageTracking {
    /// The open pixel's absolute URL, when opens are tracked.
    var pixelURL: String?
    /// What a web link of the body becomes (nil keeps it), when clicks are tracked.
    var link: ((String) -> String?)?
}
