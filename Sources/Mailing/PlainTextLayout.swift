/// Lays out sanitized campaign HTML as the plain-text part of a mail.
///
/// Headings are followed by a line of `=` (level 1) or `-`; emphasis markers disappear; links become
/// `text (url)`; list items start with `- ` (or their number); quotes with `> `; paragraphs are separated by a
/// blank line and wrapped at 76 columns where words allow. Tags count as their written length when wrapping.
struct PlainTextLayout {
    /// The column lines are wrapped at.
    static let width = 76

    /// What a block of text is.
    private enum Kind: Equatable {
        /// Running text, wrapped.
        case paragraph
        /// A heading, underlined.
        case heading(level: Int)
        /// An item of a list; `group` numbers outermost lists, so items of one list stay together.
        case listItem(marker: String, depth: Int, group: Int)
        /// Text kept exactly as it is (`pre`).
        case preformatted
        /// A horizontal rule.
        case rule
        /// A table row, cells separated by ` | `.
        case tableRow
        /// A paragraph of nothing but section tags: each goes on a line of its own, which Mustache then removes.
        case sectionTags
    }

    /// One laid-out unit.
    private struct Block {
        /// What the block is.
        let kind: Kind
        /// How many `> ` prefixes.
        let quoteDepth: Int
        /// The text, with tags restored; `\n` for hard line breaks.
        let text: String
    }

    /// An open list.
    private struct OpenList {
        /// Whether items are numbered.
        let ordered: Bool
        /// The next item's number.
        var next: Int
    }

    /// An open link.
    private struct OpenLink {
        /// Where it points, entities decoded.
        let href: String
        /// Where its text starts in the buffer, in UTF-8 bytes.
        let start: Int
    }

    /// The tags the placeholders stand for.
    private let tags: TaggedText
    /// Placeholders restored so far, per tag.
    private var counts: [Int]
    /// The blocks so far.
    private var blocks: [Block] = []
    /// The inline text of the block being read.
    private var buffer = ""
    /// What the block being read is.
    private var kind = Kind.paragraph
    /// How many blockquotes are open.
    private var quoteDepth = 0
    /// How many `pre` elements are open.
    private var preformattedDepth = 0
    /// The open lists, innermost last.
    private var lists: [OpenList] = []
    /// How many outermost lists were opened so far.
    private var listGroups = 0
    /// The open links, innermost last.
    private var links: [OpenLink] = []
    /// Cells read in the current table row.
    private var cellsInRow = 0

    /// Starts an empty layout.
    private init(tags: TaggedText) {
        self.tags = tags
        counts = Array(repeating: 0, count: tags.tags.count)
    }

    /// The plain text for sanitized tokens.
    /// - Parameters:
    ///   - tokens: The sanitized HTML with placeholders.
    ///   - tags: The tags the placeholders stand for.
    ///   - counts: Incremented, per tag, for each placeholder restored.
    static func text(for tokens: [HTMLToken], tags: TaggedText, counts: inout [Int]) -> String {
        var layout = PlainTextLayout(tags: tags)
        for token in tokens {
            layout.read(token)
        }
        layout.flush()
        for (index, count) in layout.counts.enumerated() { counts[index] += count }
        return layout.render()
    }

    /// Takes in one token.
    private mutating func read(_ token: HTMLToken) {
        switch token {
        case .text(let text):
            append(text)
        case .start(let name, let attributes, _):
            start(name, attributes: attributes)
        case .end(let name):
            end(name)
        case .rawText, .comment:
            break
        }
    }

    /// Handles a start tag.
    private mutating func start(_ name: String, attributes: [HTMLToken.Attribute]) {
        func attribute(_ wanted: String) -> String {
            EntityDecoder.decode(attributes.first { $0.name == wanted }?.value ?? "")
        }
        switch name {
        case "h1", "h2", "h3", "h4", "h5", "h6":
            flush()
            kind = .heading(level: Int(String(name.dropFirst())) ?? 1)
        case "ul", "ol":
            flush()
            if lists.isEmpty { listGroups += 1 }
            lists.append(OpenList(ordered: name == "ol", next: Int(attribute("start")) ?? 1))
        case "li":
            flush()
            let marker: String
            if let list = lists.last, list.ordered {
                marker = "\(list.next). "
                lists[lists.count - 1].next += 1
            } else {
                marker = "- "
            }
            kind = .listItem(marker: marker, depth: max(lists.count, 1), group: listGroups)
        case "blockquote":
            flush()
            quoteDepth += 1
        case "pre":
            flush()
            preformattedDepth += 1
            kind = .preformatted
        case "hr":
            flush()
            blocks.append(Block(kind: .rule, quoteDepth: quoteDepth, text: ""))
        case "br":
            trimTrailingSpace()
            buffer += "\n"
        case "tr":
            flush()
            kind = .tableRow
            cellsInRow = 0
        case "td", "th":
            if cellsInRow > 0 {
                trimTrailingSpace()
                buffer += " | "
            }
            cellsInRow += 1
        case "a":
            links.append(OpenLink(href: attribute("href"), start: buffer.utf8.count))
        case "img":
            append(attribute("alt"))
        default:
            if Self.blockElements.contains(name) { flush() }
        }
    }

    /// Handles an end tag.
    private mutating func end(_ name: String) {
        switch name {
        case "ul", "ol":
            flush()
            if !lists.isEmpty { lists.removeLast() }
        case "blockquote":
            flush()
            quoteDepth = max(quoteDepth - 1, 0)
        case "pre":
            flush()
            preformattedDepth = max(preformattedDepth - 1, 0)
        case "a":
            guard let link = links.popLast() else { return }
            let text = String(decoding: buffer.utf8.dropFirst(link.start), as: UTF8.self)
                .trimmingSpaces()
            let href = link.href.trimmingSpaces()
            guard !href.isEmpty, !href.hasPrefix("#"), href != text, href != "mailto:" + text else { return }
            trimTrailingSpace()
            buffer += text.isEmpty ? href : " (" + href + ")"
        default:
            if name.count == 2, name.first == "h", name.last?.isNumber == true { flush() }
            if name == "li" || name == "tr" || name == "table" || Self.blockElements.contains(name) { flush() }
        }
    }

    /// Elements that start and end a paragraph-like block.
    private static let blockElements: Set<String> = [
        "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "address", "center", "figure",
        "figcaption", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "caption",
    ]

    /// Appends text, decoding entities and (outside `pre`) collapsing white space as a browser would.
    private mutating func append(_ html: String) {
        let text = EntityDecoder.decode(html)
        guard preformattedDepth == 0 else {
            buffer += text
            return
        }
        for character in text {
            if character == " " || character == "\t" || character == "\n" || character == "\r" || character == "\u{C}" {
                if let last = buffer.last, last != " ", last != "\n" { buffer += " " }
            } else {
                buffer.append(character)
            }
        }
    }

    /// Removes spaces at the end of the buffer.
    private mutating func trimTrailingSpace() {
        while buffer.last == " " { buffer.removeLast() }
    }

    /// Ends the current block.
    private mutating func flush() {
        defer {
            buffer = ""
            kind = .paragraph
        }
        guard buffer.contains(where: { !$0.isWhitespace }) else { return }
        if kind == .paragraph && tags.isOnlySectionBoundaries(buffer) {
            // One tag per line, so that each line is standalone and Mustache removes it entirely.
            let end = String(Character(TaggedText.placeholderEnd))
            let lines = buffer.replacing(end, with: end + "\n")
            let restored = tags.restore(lines, counts: &counts)
            let text = restored.split(separator: "\n").map { $0.trimmingSpaces() }.joined(separator: "\n")
            blocks.append(Block(kind: .sectionTags, quoteDepth: quoteDepth, text: text))
            return
        }
        // U+2060 (word joiner) is invisible but keeps a literal `{{` from reading as a tag.
        var text = tags.restore(TaggedText.defusingBraces(buffer, with: "{\u{2060}"), counts: &counts)
        if kind == .preformatted {
            while text.hasPrefix("\n") { text.removeFirst() }
            while text.hasSuffix("\n") { text.removeLast() }
        }
        blocks.append(Block(kind: kind, quoteDepth: quoteDepth, text: text))
    }

    /// Joins the blocks.
    private func render() -> String {
        var text = ""
        let lastContent = blocks.lastIndex { $0.kind != .sectionTags } ?? -1
        for (index, block) in blocks.enumerated() {
            if index > 0 {
                // Section tags at the very end need no blank line before them: there is nothing left to separate.
                let tight = index > lastContent || Self.isTight(blocks[index - 1].kind, block.kind)
                text += tight ? "\n" : "\n\n"
            }
            let prefix = String(repeating: "> ", count: block.quoteDepth)
            let lines = Self.lines(of: block, width: Self.width - prefix.count)
            text += lines.map { line in line.isEmpty ? String(prefix.dropLast()) : prefix + line }
                .joined(separator: "\n")
        }
        return text
    }

    /// Whether `next` follows `previous` on the next line rather than after a blank line: after section tags
    /// (their lines vanish), between items of one list, and between table rows.
    private static func isTight(_ previous: Kind, _ next: Kind) -> Bool {
        switch (previous, next) {
        case (.sectionTags, _), (.tableRow, .tableRow):
            return true
        case (.listItem(_, _, let group), .listItem(_, _, let nextGroup)):
            return group == nextGroup
        default:
            return false
        }
    }

    /// A block's lines, wrapped to `width`.
    private static func lines(of block: Block, width: Int) -> [String] {
        switch block.kind {
        case .paragraph:
            return block.text.split(separator: "\n", omittingEmptySubsequences: false).flatMap {
                wrap($0, width: width)
            }
        case .heading(let level):
            let lines = wrap(block.text.replacing("\n", with: " ")[...], width: width)
            let length = min(max(lines.map(\.count).max() ?? 0, 3), width)
            return lines + [String(repeating: level == 1 ? "=" : "-", count: length)]
        case .listItem(let marker, let depth, _):
            let indent = String(repeating: "  ", count: depth - 1)
            let continuation = indent + String(repeating: " ", count: marker.count)
            let wrapped = block.text.split(separator: "\n", omittingEmptySubsequences: false).flatMap {
                wrap($0, width: width - continuation.count)
            }
            return wrapped.enumerated().map { index, line in (index == 0 ? indent + marker : continuation) + line }
        case .preformatted, .sectionTags:
            return block.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        case .rule:
            return [String(repeating: "-", count: min(width, 40))]
        case .tableRow:
            return [block.text.trimmingSpaces()]
        }
    }

    /// Greedy word wrap; a word longer than `width` (a long link) gets a line of its own.
    private static func wrap(_ text: Substring, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        var length = 0
        for word in text.split(separator: " ") {
            let wordLength = word.count
            if length > 0 && length + 1 + wordLength > width {
                lines.append(line)
                line = ""
                length = 0
            }
            if length > 0 {
                line += " "
                length += 1
            }
            line += word
            length += wordLength
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces.
    fileprivate func trimmingSpaces() -> String {
        guard let first = firstIndex(where: { $0 != " " }), let last = lastIndex(where: { $0 != " " }) else {
            return ""
        }
        return String(self[first...last])
    }
}
