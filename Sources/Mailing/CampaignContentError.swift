/// Why a campaign's subject or body cannot be compiled.
///
/// The description is written for the person editing the campaign, e.g.
/// `line 3: {{nmae}} is not a variable you can use — use one of {{email}}, {{name}} (check the spelling)`.
public enum CampaignContentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where a problem is.
    public enum Location: Sendable, Equatable, CustomStringConvertible {
        /// In the subject.
        case subject
        /// On a 1-based line of the Markdown body.
        case body(line: Int)

        /// `subject` or `line N`.
        public var description: String {
            switch self {
            case .subject: "subject"
            case .body(let line): "line \(line)"
            }
        }
    }

    /// A tag names a variable that is not offered; `known` lists those that are, sorted.
    case unknownVariable(String, known: [String], at: Location)
    /// `{{` without `}}` on the same line.
    case unclosedTag(at: Location)
    /// `{{}}`: a tag without a name.
    case emptyTag(at: Location)
    /// A section `{{#name}}` or `{{^name}}` that is never closed; the location is where it opens.
    case unclosedSection(String, at: Location)
    /// `{{/name}}` without a matching open section.
    case unopenedSection(String, at: Location)
    /// `{{/found}}` where `{{/expected}}` should close the innermost open section.
    case mismatchedSection(expected: String, found: String, at: Location)
    /// A tag kind campaigns do not support: unescaped output (`{{{x}}}`, `{{&x}}`), partials, blocks, pragmas or
    /// delimiter changes. The associated text is the tag as written.
    case unsupportedTag(String, at: Location)
    /// A tag inside an HTML tag where it would let a value add attributes or markup: in an element or attribute
    /// name, or at the start of a link that only a `…_url` variable may start.
    case tagInsideHTML(String, at: Location)
    /// A section tag inside HTML that is removed for safety (script, style, comment…), so its section would break.
    case tagInRemovedHTML(String, at: Location)
    /// The compiled template was refused by the Mustache engine (a defect here: the checks above should catch it).
    case templateRefused(reason: String)

    /// Where the problem is, when known.
    public var location: Location? {
        switch self {
        case .unknownVariable(_, _, let location), .unclosedTag(let location), .emptyTag(let location),
            .unclosedSection(_, let location), .unopenedSection(_, let location),
            .mismatchedSection(_, _, let location), .unsupportedTag(_, let location),
            .tagInsideHTML(_, let location), .tagInRemovedHTML(_, let location):
            location
        case .templateRefused: nil
        }
    }

    /// The body line, when the problem is on one.
    public var line: Int? {
        if case .body(let line) = location { return line }
        return nil
    }

    /// The message with its location, e.g. `line 3: {{nmae}} is not a variable you can use — …`.
    public var description: String {
        guard let location else { return message }
        return "\(location): \(message)"
    }

    /// What is wrong and how to fix it, without the location.
    public var message: String {
        switch self {
        case .unknownVariable(let name, let known, _):
            let list = known.map { "{{\($0)}}" }.joined(separator: ", ")
            return "{{\(name)}} is not a variable you can use — use one of \(list) (check the spelling)"
        case .unclosedTag:
            return "a tag starts with {{ but has no }} on the same line"
        case .emptyTag:
            return "{{}} has no variable name in it"
        case .unclosedSection(let name, _):
            return "the section {{#\(name)}} is never closed — add {{/\(name)}} where it should end"
        case .unopenedSection(let name, _):
            return "{{/\(name)}} closes a section that was never opened — add {{#\(name)}} before it, or remove it"
        case .mismatchedSection(let expected, let found, _):
            return "{{/\(found)}} closes the wrong section — first close \(expected) with {{/\(expected)}}"
        case .unsupportedTag(let tag, _):
            return
                "\(tag) is not supported in campaigns — use plain tags like {{name}} and sections like {{#name}}…{{/name}}"
        case .tagInsideHTML(let tag, _):
            return "\(tag) cannot be used there inside an HTML tag — put it in the text or in a quoted attribute value"
                + " (only variables ending in _url may start a link)"
        case .tagInRemovedHTML(let tag, _):
            return "\(tag) is inside HTML that is removed for safety (a script, style, comment or embedded object)"
                + " — move it out"
        case .templateRefused(let reason):
            return "the content could not be compiled: \(reason)"
        }
    }
}
