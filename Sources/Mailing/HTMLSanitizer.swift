/// Makes a campaign's HTML safe to send: no script, no event handlers, no `javascript:` links.
///
/// Staff write the campaigns and are trusted to format them, not to run code in readers' mail programs (a stolen
/// staff session must not turn into a mass mailing of scripts). Elements that can run code or embed other
/// documents are removed with their content; event-handler attributes, dangerous styles and links with any
/// scheme but http, https, mailto, tel and cid are removed; comments are removed. Elements left open are closed
/// and stray end tags dropped, so the fragment cannot reach into the layout around it (say, to hide the
/// unsubscribe link).
enum HTMLSanitizer {
    /// Elements removed together with everything inside them.
    static let removedWithContent: Set<String> = [
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript", "noembed",
        "noframes", "template", "svg", "math", "title", "xmp", "textarea", "select", "plaintext",
    ]

    /// Elements whose tags are removed but whose content stays.
    static let removedTags: Set<String> = [
        "html", "head", "body", "base", "meta", "link", "form", "input", "button",
    ]

    /// Attributes holding a URL.
    static let urlAttributes: Set<String> = [
        "href", "src", "action", "formaction", "background", "poster", "cite", "longdesc", "lowsrc", "dynsrc",
        "usemap", "xlink:href", "data", "codebase", "profile", "manifest", "ping",
    ]

    /// URL schemes a link or image may use; URLs without a scheme (relative ones) are kept too.
    static let allowedSchemes: Set<String> = ["http", "https", "mailto", "tel", "cid"]

    /// The tokens without anything unsafe.
    /// - Parameter tags: The campaign's tags, to check the placeholders found in tags and removed content.
    /// - Throws: ``CampaignContentError/tagInsideHTML(_:at:)`` for a placeholder in an element or attribute name
    ///   or starting a URL (unless its variable ends in `url`); ``CampaignContentError/tagInRemovedHTML(_:at:)``
    ///   for a section tag in removed content.
    static func sanitize(_ tokens: [HTMLToken], tags: TaggedText) throws(CampaignContentError) -> [HTMLToken] {
        var kept: [HTMLToken] = []
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            switch token {
            case .text:
                kept.append(token)
            case .rawText(let text):
                // Only left when a raw-text element is allowed, which none is; kept as escaped text all the same.
                try checkRemoved(text, tags: tags)
                kept.append(.text(HTMLToken.serialize([.rawText(text)])))
            case .comment(let text):
                try checkRemoved(text, tags: tags)
            case .end(let name):
                if let tag = tags.tags(in: name).first { throw .tagInsideHTML(tag.source, at: tag.location) }
                if !removedWithContent.contains(name) && !removedTags.contains(name) { kept.append(token) }
            case .start(let name, let attributes, let selfClosing):
                if let tag = tags.tags(in: name).first { throw .tagInsideHTML(tag.source, at: tag.location) }
                if removedWithContent.contains(name) {
                    try checkRemoved(HTMLToken.serialize([token]), tags: tags)
                    if !selfClosing && !HTMLToken.voidElements.contains(name) {
                        index = try skipElement(name, in: tokens, from: index, tags: tags)
                    }
                } else if !removedTags.contains(name) {
                    var safe: [HTMLToken.Attribute] = []
                    for attribute in attributes {
                        if let attribute = try sanitized(attribute, tags: tags) { safe.append(attribute) }
                    }
                    if selfClosing && !HTMLToken.voidElements.contains(name) {
                        // Browsers ignore the slash of `<div/>` and leave the element open; closing it keeps it empty.
                        kept += [.start(name: name, attributes: safe, selfClosing: false), .end(name: name)]
                    } else {
                        kept.append(.start(name: name, attributes: safe, selfClosing: selfClosing))
                    }
                }
            }
        }
        return balanced(kept)
    }

    /// The tokens with every element closed: an end tag closes the elements opened after its own (as browsers
    /// do), one without an open element is dropped, and whatever is still open is closed at the end.
    private static func balanced(_ tokens: [HTMLToken]) -> [HTMLToken] {
        var result: [HTMLToken] = []
        result.reserveCapacity(tokens.count)
        var open: [String] = []
        for token in tokens {
            switch token {
            case .start(let name, _, let selfClosing):
                if !selfClosing && !HTMLToken.voidElements.contains(name) { open.append(name) }
                result.append(token)
            case .end(let name):
                guard let index = open.lastIndex(of: name) else { continue }
                for inner in open[index...].reversed() { result.append(.end(name: inner)) }
                open.removeSubrange(index...)
            default:
                result.append(token)
            }
        }
        for name in open.reversed() { result.append(.end(name: name)) }
        return result
    }

    /// The index after the end tag closing element `name` whose start tag was just read, checking what is skipped.
    private static func skipElement(
        _ name: String, in tokens: [HTMLToken], from start: Int, tags: TaggedText
    ) throws(CampaignContentError) -> Int {
        var depth = 1
        var index = start
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            switch token {
            case .start(name, _, let selfClosing) where !selfClosing:
                depth += 1
            case .end(name):
                depth -= 1
                if depth == 0 { return index }
            default:
                break
            }
            try checkRemoved(HTMLToken.serialize([token]), tags: tags)
        }
        return index
    }

    /// Throws if removed HTML held a section tag, whose loss would leave the section unbalanced.
    private static func checkRemoved(_ html: String, tags: TaggedText) throws(CampaignContentError) {
        if let tag = tags.tags(in: html).first(where: \.isSectionBoundary) {
            throw .tagInRemovedHTML(tag.source, at: tag.location)
        }
    }

    /// The attribute if it is safe, nil if it must go.
    private static func sanitized(
        _ attribute: HTMLToken.Attribute, tags: TaggedText
    ) throws(CampaignContentError) -> HTMLToken.Attribute? {
        if let tag = tags.tags(in: attribute.name).first { throw .tagInsideHTML(tag.source, at: tag.location) }
        let name = attribute.name
        // Browsers accept quotes or `<` in a name; other mail readers may not agree on where such a tag ends.
        guard name.utf8.allSatisfy(isNameByte) else {
            try checkRemoved(attribute.value ?? "", tags: tags)
            return nil
        }
        guard let value = attribute.value else { return name.hasPrefix("on") ? nil : attribute }
        if name.hasPrefix("on") || name == "srcset" || name == "formaction" {
            try checkRemoved(value, tags: tags)
            return nil
        }
        let decoded = EntityDecoder.decode(value)
        if name == "style" {
            let compact = String(decoded.lowercased().unicodeScalars.filter { !$0.properties.isWhitespace })
            let dangerous = ["expression(", "javascript:", "vbscript:", "-moz-binding", "behavior:", "@import", "url("]
            guard !dangerous.contains(where: compact.contains) else {
                try checkRemoved(value, tags: tags)
                return nil
            }
            return attribute
        }
        guard urlAttributes.contains(name) else { return attribute }
        let trimmed = decoded.drop { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true }
        if trimmed.unicodeScalars.first == TaggedText.placeholderStart, let tag = tags.tags(in: trimmed).first {
            // A value from the recipient's data (a name, an address) must not decide where a link goes.
            guard tag.kind == .variable, tag.name.hasSuffix("url") else {
                throw .tagInsideHTML(tag.source, at: tag.location)
            }
            return attribute
        }
        guard let scheme = scheme(of: trimmed), !allowedSchemes.contains(scheme) else { return attribute }
        try checkRemoved(value, tags: tags)
        return nil
    }

    /// Whether `byte` may appear in an attribute name kept in the output.
    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
            UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "."):
            true
        default: false
        }
    }

    /// The lower-cased scheme of a URL (ignoring white space and control characters, as browsers do), nil for a
    /// relative URL, or "" when a character no scheme has comes first (say an entity left undecoded), which is then
    /// treated as unsafe.
    private static func scheme(of url: some StringProtocol) -> String? {
        var scheme = ""
        for scalar in url.unicodeScalars {
            if scalar.value <= 0x20 || scalar.value == 0x7F { continue }
            switch scalar {
            case ":": return scheme
            case "/", "?", "#": return nil
            case "a"..."z", "0"..."9", "+", "-", ".": scheme.unicodeScalars.append(scalar)
            case "A"..."Z": scheme.unicodeScalars.append(Unicode.Scalar(scalar.value + 32)!)
            default: return ""
            }
        }
        return nil
    }
}
