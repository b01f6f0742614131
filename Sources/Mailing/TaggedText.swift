/// A campaign text whose Mustache tags are checked and replaced by placeholders.
///
/// Markdown would mangle tags (`{{unsubscribe_url}}` has `_` emphasis markers; `{{#name}}` can read as a heading),
/// so each tag becomes a placeholder of private-use characters and digits, which Markdown treats as a plain word.
/// After conversion, ``restore(_:counts:)`` puts the tags back.
struct TaggedText: Sendable {
    /// Where a tag is.
    typealias Location = CampaignContentError.Location

    /// Starts a placeholder; never in a campaign (stripped from the source).
    static let placeholderStart: Unicode.Scalar = "\u{E000}"
    /// Ends a placeholder.
    static let placeholderEnd: Unicode.Scalar = "\u{E001}"

    /// The text with placeholders.
    let text: String
    /// The tags, indexed by placeholder number.
    let tags: [MustacheTag]

    /// Checks and replaces the tags of a Markdown body.
    ///
    /// A line holding only section tags (`{{#name}}`, `{{^name}}`, `{{/name}}`) becomes a paragraph of its own, so
    /// a section can wrap whole paragraphs, headings or lists without cutting an HTML element in two; a line holding
    /// only comments is dropped, as Mustache drops it. Lines end in `\n` afterwards.
    /// - Throws: ``CampaignContentError`` for a malformed, unsupported or unknown tag or unbalanced sections.
    static func body(_ markdown: String, variables: Set<String>) throws(CampaignContentError) -> TaggedText {
        var scanner = Scanner(variables: variables)
        var text = ""
        var inFence = false
        let lines = cleaned(markdown).split(separator: "\n", omittingEmptySubsequences: false)
        for (offset, line) in lines.enumerated() {
            let scanned = try scanner.scan(line, at: .body(line: offset + 1))
            if !scanned.hasText && !scanned.hasVariable && scanned.hasSectionBoundary && !inFence {
                text += "\n" + scanned.placeholders + "\n\n"
            } else if !(scanned.hasComment && !scanned.hasText && !scanned.hasVariable && !scanned.hasSectionBoundary) {
                text += scanned.text + "\n"
            }
            if line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("```") { inFence.toggle() }
        }
        try scanner.finish()
        return TaggedText(text: text, tags: scanner.tags)
    }

    /// Checks and replaces the tags of a subject; line breaks in it become spaces.
    /// - Throws: ``CampaignContentError`` for a malformed, unsupported or unknown tag or unbalanced sections.
    static func subject(_ subject: String, variables: Set<String>) throws(CampaignContentError) -> TaggedText {
        var scanner = Scanner(variables: variables)
        let line = cleaned(subject).replacing("\n", with: " ")
        let scanned = try scanner.scan(line[...], at: .subject)
        try scanner.finish()
        return TaggedText(text: scanned.text, tags: scanner.tags)
    }

    /// The placeholder for tag number `index`.
    static func placeholder(_ index: Int) -> String {
        "\(Character(placeholderStart))\(index)\(Character(placeholderEnd))"
    }

    /// `text` with each `{` that would start a tag nobody checked replaced by `brace`.
    ///
    /// Markdown can produce `{{` the scan never saw (`\{\{name}}` loses its backslashes), and a `{` can end up
    /// right before a restored tag (`{{{name}}}` would print a value unescaped). Such a `{` is one followed by
    /// another `{` or by a placeholder.
    /// - Parameter brace: What stands for `{`: `&#123;` in HTML, `{` and a word joiner in text.
    static func defusingBraces(_ text: String, with brace: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.contains("{") else { return text }
        var result = ""
        for (index, scalar) in scalars.enumerated() {
            let next = index + 1 < scalars.count ? scalars[index + 1] : nil
            if scalar == "{", next == "{" || next == placeholderStart {
                result += brace
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `text` with placeholders replaced by their tags in canonical form.
    /// - Parameter counts: Incremented, per tag, for each placeholder replaced (sized like ``tags``).
    func restore(_ text: some StringProtocol, counts: inout [Int]) -> String {
        var result = ""
        var number: Int?
        for scalar in text.unicodeScalars {
            if scalar == Self.placeholderStart {
                number = 0
            } else if let current = number {
                if scalar == Self.placeholderEnd {
                    result += tags[current].source
                    counts[current] += 1
                    number = nil
                } else {
                    number = current * 10 + Int(scalar.value - 0x30)
                }
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// The tags whose placeholders appear in `text`, in order.
    func tags(in text: some StringProtocol) -> [MustacheTag] {
        var found: [MustacheTag] = []
        var number: Int?
        for scalar in text.unicodeScalars {
            if scalar == Self.placeholderStart {
                number = 0
            } else if let current = number {
                if scalar == Self.placeholderEnd {
                    found.append(tags[current])
                    number = nil
                } else {
                    number = current * 10 + Int(scalar.value - 0x30)
                }
            }
        }
        return found
    }

    /// Whether `text` is nothing but section tags' placeholders and white space (a paragraph made by ``body``).
    func isOnlySectionBoundaries(_ text: some StringProtocol) -> Bool {
        var hasTag = false
        var inPlaceholder = false
        var number = 0
        for scalar in text.unicodeScalars {
            if scalar == Self.placeholderStart {
                inPlaceholder = true
                number = 0
            } else if inPlaceholder {
                if scalar == Self.placeholderEnd {
                    guard tags[number].isSectionBoundary else { return false }
                    hasTag = true
                    inPlaceholder = false
                } else {
                    number = number * 10 + Int(scalar.value - 0x30)
                }
            } else if !scalar.properties.isWhitespace {
                return false
            }
        }
        return hasTag
    }

    /// The source with line ends made `\n` and any placeholder characters removed.
    private static func cleaned(_ source: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(source.unicodeScalars.count)
        var previousWasCR = false
        for scalar in source.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            switch scalar {
            case placeholderStart, placeholderEnd: continue
            case "\r": result.unicodeScalars.append("\n")
            case "\n" where previousWasCR: continue
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

extension TaggedText {
    /// Finds and checks the tags of one line after another, keeping track of open sections.
    private struct Scanner {
        /// What one line turned into.
        struct Line {
            /// The line with placeholders.
            var text = ""
            /// Only the placeholders of the line's section tags.
            var placeholders = ""
            /// Whether anything but white space lies outside the tags.
            var hasText = false
            /// Whether the line has a variable tag.
            var hasVariable = false
            /// Whether the line has a section or close tag.
            var hasSectionBoundary = false
            /// Whether the line has a comment.
            var hasComment = false
        }

        /// The names tags may use.
        let variables: Set<String>
        /// Every tag so far, numbered by position.
        var tags: [MustacheTag] = []
        /// Sections opened and not yet closed, innermost last.
        var open: [MustacheTag] = []

        /// Starts scanning a text.
        init(variables: Set<String>) {
            self.variables = variables
        }

        /// Replaces the tags of `line`.
        mutating func scan(_ line: Substring, at location: Location) throws(CampaignContentError) -> Line {
            var result = Line()
            var rest = line
            while let start = rest.firstRange(of: "{{") {
                add(rest[..<start.lowerBound], to: &result)
                guard let end = rest[start.upperBound...].firstRange(of: "}}") else {
                    throw .unclosedTag(at: location)
                }
                let content = rest[start.upperBound..<end.lowerBound]
                rest = rest[end.upperBound...]
                guard let tag = try tag(content, at: location) else {
                    result.hasComment = true
                    continue
                }
                let placeholder = TaggedText.placeholder(tags.count)
                tags.append(tag)
                result.text += placeholder
                if tag.isSectionBoundary {
                    result.placeholders += placeholder
                    result.hasSectionBoundary = true
                } else {
                    result.hasVariable = true
                }
            }
            add(rest, to: &result)
            return result
        }

        /// Throws if a section is still open at the end.
        func finish() throws(CampaignContentError) {
            if let section = open.last { throw .unclosedSection(section.name, at: section.location) }
        }

        /// Appends text outside tags.
        private func add(_ text: Substring, to line: inout Line) {
            line.text += text
            if !line.hasText, text.contains(where: { !$0.isWhitespace }) { line.hasText = true }
        }

        /// Checks the content between `{{` and `}}`.
        /// - Returns: The tag, or nil for a comment.
        private mutating func tag(_ content: Substring, at location: Location) throws(CampaignContentError)
            -> MustacheTag?
        {
            let trimmed = Self.trimmed(content)
            guard let sigil = trimmed.first else { throw .emptyTag(at: location) }
            let kind: MustacheTag.Kind
            switch sigil {
            case "!": return nil
            case "#": kind = .section
            case "^": kind = .invertedSection
            case "/": kind = .close
            case "{", "&", ">", "<", "$", "=", "%": throw .unsupportedTag("{{\(content)}}", at: location)
            default: kind = .variable
            }
            let name = String(kind == .variable ? trimmed : Self.trimmed(trimmed.dropFirst()))
            guard !name.isEmpty else { throw .emptyTag(at: location) }
            guard variables.contains(name) else {
                throw .unknownVariable(name, known: variables.sorted(), at: location)
            }
            let tag = MustacheTag(kind: kind, name: name, location: location)
            switch kind {
            case .section, .invertedSection:
                open.append(tag)
            case .close:
                guard let innermost = open.last else { throw .unopenedSection(name, at: location) }
                guard innermost.name == name else {
                    throw .mismatchedSection(expected: innermost.name, found: name, at: location)
                }
                open.removeLast()
            case .variable:
                break
            }
            return tag
        }

        /// `text` without leading and trailing white space.
        private static func trimmed(_ text: Substring) -> Substring {
            guard let first = text.firstIndex(where: { !$0.isWhitespace }),
                let last = text.lastIndex(where: { !$0.isWhitespace })
            else { return "" }
            return text[first...last]
        }
    }
}
