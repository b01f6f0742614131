import Ink
import Mustache

/// A campaign compiled once, then personalised cheaply for each recipient.
///
/// The Markdown body becomes an HTML fragment (via Ink) and a plain-text version; both keep the Mustache tags
/// (`{{name}}`, `{{#name}}…{{/name}}`, `{{^name}}…{{/name}}`, comments `{{! … }}`). Only tags naming one of the
/// offered variables are accepted. Raw HTML in the Markdown is kept, minus anything that could run code (see
/// ``HTMLSanitizer``).
///
/// Values are HTML-escaped in the HTML part only. An empty value counts as missing, so
/// `{{#name}}Dear {{name}}{{/name}}{{^name}}Hello{{/name}}` greets someone without a name with "Hello".
///
/// The templates are checked by swift-mustache when compiling; rendering uses ``CompiledTemplate``, which gives the
/// same output for these templates in a few microseconds instead of tens (a campaign renders once per recipient).
public struct CampaignContent: Sendable {
    /// The variable names, sorted; templates refer to values by position in it.
    private let names: [String]
    /// The subject, values unescaped.
    private let subjectTemplate: CompiledTemplate
    /// The HTML fragment; it is given escaped values.
    private let htmlTemplate: CompiledTemplate
    /// The plain text, values unescaped.
    private let textTemplate: CompiledTemplate
    /// The same templates for swift-mustache, to compare rendering with (``referenceRender(_:)``).
    private let reference: (subject: MustacheTemplate, html: MustacheTemplate, text: MustacheTemplate)

    /// Compiles a campaign.
    /// - Parameters:
    ///   - subject: The subject line; it may use tags too.
    ///   - markdown: The body.
    ///   - variables: The variable names tags may use, e.g. `name`, `email`, `unsubscribe_url`.
    /// - Throws: ``CampaignContentError``, with the line where possible, for a malformed or unsupported tag, an
    ///   unknown variable, unbalanced sections, or a tag where it would be unsafe.
    public init(subject: String, markdown: String, variables: Set<String>) throws(CampaignContentError) {
        let subject = try TaggedText.subject(subject, variables: variables)
        let body = try TaggedText.body(markdown, variables: variables)
        let converted = MarkdownParser().html(from: body.text)
        let tokens = Self.unwrappingSectionParagraphs(
            try HTMLSanitizer.sanitize(HTMLToken.tokenize(converted), tags: body), tags: body)

        var htmlCounts = Array(repeating: 0, count: body.tags.count)
        let html = body.restore(
            TaggedText.defusingBraces(HTMLToken.serialize(tokens), with: "&#123;"), counts: &htmlCounts)
        var textCounts = Array(repeating: 0, count: body.tags.count)
        let text = PlainTextLayout.text(for: tokens, tags: body, counts: &textCounts)
        try Self.checkSectionsKept(htmlCounts, tags: body)
        try Self.checkSectionsKept(textCounts, tags: body)
        var subjectCounts = Array(repeating: 0, count: subject.tags.count)
        let subjectSource = subject.restore(subject.text, counts: &subjectCounts)

        // The pragma switches escaping off for the rest of the template; on a line of its own it leaves no trace.
        let sources = (
            subject: "{{% CONTENT_TYPE: TEXT}}" + subjectSource, html: html,
            text: "{{% CONTENT_TYPE: TEXT}}\n" + text + "\n"
        )
        reference = (try Self.compile(sources.subject), try Self.compile(sources.html), try Self.compile(sources.text))
        names = variables.sorted()
        subjectTemplate = CompiledTemplate(source: sources.subject, names: names)
        htmlTemplate = CompiledTemplate(source: sources.html, names: names)
        textTemplate = CompiledTemplate(source: sources.text, names: names)
    }

    /// Personalises the campaign for one recipient.
    /// - Parameter values: Values by variable name; a missing or empty value renders as nothing and makes
    ///   `{{#name}}` sections disappear and `{{^name}}` sections appear.
    /// - Returns: The subject (not escaped, line breaks replaced by spaces, so a value cannot add a mail header),
    ///   the HTML fragment (values HTML-escaped) and the plain text (values as they are).
    public func render(_ values: [String: String]) -> (subject: String, html: String, text: String) {
        var plain = [String?](repeating: nil, count: names.count)
        var escaped = plain
        for (index, name) in names.enumerated() {
            guard let value = values[name], !value.isEmpty else { continue }
            plain[index] = value
            escaped[index] = Self.htmlEscaped(value)
        }
        return Self.finished(
            subject: subjectTemplate.render(plain), html: htmlTemplate.render(escaped), text: textTemplate.render(plain)
        )
    }

    /// Renders with swift-mustache instead of ``CompiledTemplate``; the result must be the same as ``render(_:)``'s.
    func referenceRender(_ values: [String: String]) -> (subject: String, html: String, text: String) {
        let present = values.filter { !$0.value.isEmpty }
        return Self.finished(
            subject: reference.subject.render(present), html: reference.html.render(present),
            text: reference.text.render(present))
    }

    /// The rendered parts tidied: the subject on one line, the text without blank lines at the end (a section
    /// at the very end can leave them).
    private static func finished(subject: String, html: String, text: String) -> (
        subject: String, html: String, text: String
    ) {
        var text = text
        while text.hasSuffix("\n\n") { text.removeLast() }
        return (singleLine(subject), html, text)
    }

    /// `text` escaped for HTML as swift-mustache escapes it: `<`, `>`, `&`, `"` and `'`.
    public static func htmlEscaped(_ text: String) -> String {
        let special: (UInt8) -> Bool = { byte in
            byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&")
                || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
        }
        guard text.utf8.contains(where: special) else { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 16)
        for character in text.unicodeScalars {
            switch character {
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "&": escaped += "&amp;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// `text` with each line break (CRLF, CR or LF) replaced by a space, and without spaces at either end.
    private static func singleLine(_ text: String) -> String {
        let hasBreak = text.utf8.contains { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }
        guard hasBreak || text.hasPrefix(" ") || text.hasSuffix(" ") else { return text }
        let line = text.split(omittingEmptySubsequences: false) { $0 == "\r\n" || $0 == "\r" || $0 == "\n" }
            .joined(separator: " ")
        guard let first = line.firstIndex(where: { $0 != " " }), let last = line.lastIndex(where: { $0 != " " }) else {
            return ""
        }
        return String(line[first...last])
    }

    /// The tokens with each paragraph of nothing but section tags (made by ``TaggedText/body(_:variables:)``)
    /// replaced by the tags alone, so the section wraps whole elements instead of leaving an empty `<p></p>`.
    private static func unwrappingSectionParagraphs(_ tokens: [HTMLToken], tags: TaggedText) -> [HTMLToken] {
        var result: [HTMLToken] = []
        result.reserveCapacity(tokens.count)
        var index = 0
        while index < tokens.count {
            if index + 2 < tokens.count, case .start("p", let attributes, false) = tokens[index], attributes.isEmpty,
                case .text(let text) = tokens[index + 1], tags.isOnlySectionBoundaries(text),
                case .end("p") = tokens[index + 2]
            {
                result.append(.text(String(text.filter { !$0.isWhitespace })))
                index += 3
            } else {
                result.append(tokens[index])
                index += 1
            }
        }
        return result
    }

    /// Throws if a section tag was lost in conversion, which would unbalance the template.
    private static func checkSectionsKept(_ counts: [Int], tags: TaggedText) throws(CampaignContentError) {
        for (tag, count) in zip(tags.tags, counts) where tag.isSectionBoundary && count == 0 {
            throw .tagInRemovedHTML(tag.source, at: tag.location)
        }
    }

    /// Parses a template, turning the engine's error into ours.
    private static func compile(_ source: String) throws(CampaignContentError) -> MustacheTemplate {
        do {
            return try MustacheTemplate(string: source)
        } catch let error as MustacheTemplate.ParserError {
            throw .templateRefused(reason: "\(error.error) near \"\(error.context.line)\"")
        } catch {
            throw .templateRefused(reason: "\(error)")
        }
    }
}
