import Mailing
import Testing

@Suite struct CampaignContentErrorTests {
    private let variables: Set<String> = ["name", "email", "unsubscribe_url"]

    /// The error compiling `markdown` (and `subject`) throws.
    private func error(_ markdown: String, subject: String = "News") -> CampaignContentError? {
        #expect(throws: CampaignContentError.self) {
            try CampaignContent(subject: subject, markdown: markdown, variables: variables)
        }
    }

    @Test func unknownVariableNamesItsLineAndTheKnownOnes() {
        // Given a misspelt variable on line 3
        let error = error("# Hi\n\nDear {{nmae}},")

        // Then the error says where, and what can be used
        #expect(error == .unknownVariable("nmae", known: ["email", "name", "unsubscribe_url"], at: .body(line: 3)))
        #expect(
            error?.description
                == "line 3: {{nmae}} is not a variable you can use — use one of {{email}}, {{name}},"
                + " {{unsubscribe_url}} (check the spelling)")
        #expect(error?.line == 3)
    }

    @Test func problemsInTheSubjectSaySo() {
        // Given an unknown variable in the subject
        let error = error("Body", subject: "News for {{first_name}}")

        // Then the location is the subject
        #expect(error?.location == .subject)
        #expect(error?.description.hasPrefix("subject: {{first_name}} is not a variable") == true)
    }

    @Test func unclosedSectionNamesWhereItOpens() {
        // Given a section opened on line 2 and never closed
        let error = error("Hi\n{{#name}}Dear {{name}}\n\nBye")

        // Then the error points at line 2
        #expect(error == .unclosedSection("name", at: .body(line: 2)))
    }

    @Test func closingTheWrongSectionIsAnError() {
        // Given a close tag for an inner section that is not the innermost
        let error = error("{{#name}}{{^email}}x{{/name}}{{/email}}")

        // Then the mismatch is reported
        #expect(error == .mismatchedSection(expected: "email", found: "name", at: .body(line: 1)))
    }

    @Test func closingASectionNeverOpenedIsAnError() {
        // Given a lone close tag on line 2
        let error = error("Hi\n{{/name}}")

        // Then it is reported on line 2
        #expect(error == .unopenedSection("name", at: .body(line: 2)))
    }

    @Test func tagWithoutClosingBracesIsAnError() {
        // Given {{ without }} on its line
        let error = error("Dear {{name\n}}")

        // Then it is reported on line 1
        #expect(error == .unclosedTag(at: .body(line: 1)))
    }

    @Test(arguments: [
        "{{{name}}}", "{{&name}}", "{{> footer}}", "{{=<% %>=}}", "{{% CONTENT_TYPE: TEXT}}", "{{$name}}x{{/name}}",
    ])
    func unsupportedTagsAreRefused(tag: String) {
        // Given an unescaped, partial, delimiter, pragma or block tag
        let error = error("Text \(tag)")

        // Then it is refused as unsupported
        guard case .unsupportedTag(_, at: .body(line: 1)) = error else {
            Issue.record("expected unsupportedTag, got \(String(describing: error))")
            return
        }
    }

    @Test func emptyTagIsAnError() {
        // Given {{ }}
        let error = error("Hi {{ }}")

        // Then it is reported
        #expect(error == .emptyTag(at: .body(line: 1)))
    }
}
