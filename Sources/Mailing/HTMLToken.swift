/// A piece of HTML, as the sanitizer and the plain-text conversion see it.
enum HTMLToken: Sendable, Equatable {
    /// An attribute of a start tag.
    struct Attribute: Sendable, Equatable {
        /// The name, lower-cased.
        var name: String
        /// The value as written (entities not decoded), or nil for a bare attribute like `hidden`.
        var value: String?
    }

    /// Text between tags, with its entities as written.
    case text(String)
    /// A start tag; the name is lower-cased.
    case start(name: String, attributes: [Attribute], selfClosing: Bool)
    /// An end tag; the name is lower-cased.
    case end(name: String)
    /// The unparsed content of a raw-text element such as `script` or `style`.
    case rawText(String)
    /// A comment, doctype or processing instruction, with its delimiters.
    case comment(String)

    /// Elements whose content is not HTML but raw text up to their end tag.
    static let rawTextElements: Set<String> = [
        "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext",
    ]

    /// Elements that never have content or an end tag.
    static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    ]

    /// The tokens as HTML again; attribute values are always double-quoted.
    static func serialize(_ tokens: [HTMLToken]) -> String {
        var html = ""
        for token in tokens {
            switch token {
            case .text(let text):
                html += text
            case .start(let name, let attributes, let selfClosing):
                html += "<" + name
                for attribute in attributes {
                    html += " " + attribute.name
                    if let value = attribute.value { html += "=\"" + escapedAttribute(value) + "\"" }
                }
                html += selfClosing ? "/>" : ">"
            case .end(let name):
                html += "</" + name + ">"
            case .rawText(let text):
                html += text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
            case .comment(let text):
                html += text
            }
        }
        return html
    }

    /// An attribute value safe between double quotes; entities already in it are kept.
    private static func escapedAttribute(_ value: String) -> String {
        value.replacing("\"", with: "&quot;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
    }
}
