/// One Mustache tag of a campaign, as checked against the offered variables.
struct MustacheTag: Sendable, Equatable {
    /// What the tag does.
    enum Kind: Sendable, Equatable {
        /// `{{name}}`: the value, escaped for HTML in the HTML part.
        case variable
        /// `{{#name}}`: the following text up to `{{/name}}`, only if the value is present.
        case section
        /// `{{^name}}`: the following text up to `{{/name}}`, only if the value is missing.
        case invertedSection
        /// `{{/name}}`: the end of a section.
        case close
    }

    /// What the tag does.
    let kind: Kind
    /// The variable name.
    let name: String
    /// Where the tag was written, for error messages.
    let location: CampaignContentError.Location

    /// The tag in canonical form, e.g. `{{#name}}` (spaces inside the braces dropped).
    var source: String {
        switch kind {
        case .variable: "{{\(name)}}"
        case .section: "{{#\(name)}}"
        case .invertedSection: "{{^\(name)}}"
        case .close: "{{/\(name)}}"
        }
    }

    /// Whether the tag opens or closes a section, so losing it would unbalance the template.
    var isSectionBoundary: Bool {
        kind != .variable
    }
}
