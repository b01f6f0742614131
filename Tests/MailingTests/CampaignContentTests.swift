import Mailing
import Testing

@Suite struct CampaignContentTests {
    private let variables: Set<String> = ["name", "email", "list_name", "unsubscribe_url"]

    /// Compiles `markdown` and renders it with `values`.
    private func render(
        _ markdown: String, subject: String = "News", _ values: [String: String] = [:]
    ) throws -> (subject: String, html: String, text: String) {
        try CampaignContent(subject: subject, markdown: markdown, variables: variables).render(values)
    }

    @Test func markdownBecomesHTMLAndPlainText() throws {
        // Given headings, emphasis, code, lists and a link
        let markdown = """
            # Our news

            Some **bold**, *italic* and `code`.

            ## Dates

            - one
            - two

            1. first
            2. second

            Read [the post](https://example.com/post).
            """

        // When rendered
        let result = try render(markdown)

        // Then the HTML is Ink's, and the text lays the same content out for reading
        #expect(
            result.html
                == "<h1>Our news</h1><p>Some <strong>bold</strong>, <em>italic</em> and <code>code</code>.</p>"
                + "<h2>Dates</h2><ul><li>one</li><li>two</li></ul><ol><li>first</li><li>second</li></ol>"
                + "<p>Read <a href=\"https://example.com/post\">the post</a>.</p>")
        #expect(
            result.text == """
                Our news
                ========

                Some bold, italic and code.

                Dates
                -----

                - one
                - two

                1. first
                2. second

                Read the post (https://example.com/post).

                """)
    }

    @Test func tagsSurviveMarkdown() throws {
        // Given tags with underscores (emphasis markers to Markdown) and a section at the start of a line
        let markdown = "{{#name}}Hi {{name}}{{/name}}: {{list_name}}, {{unsubscribe_url}}\n\n# {{email}}"
        let values = [
            "name": "Ann", "list_name": "Weekly_News", "email": "ann@example.com",
            "unsubscribe_url": "https://example.com/u?t=1",
        ]

        // When rendered
        let result = try render(markdown, values)

        // Then every tag is replaced by its value, with no emphasis added
        #expect(
            result.html == "<p>Hi Ann: Weekly_News, https://example.com/u?t=1</p><h1>ann@example.com</h1>")
        #expect(result.text == "Hi Ann: Weekly_News, https://example.com/u?t=1\n\nann@example.com\n=========\n")
    }

    @Test func valuesAreEscapedInHTMLButNotInTextOrSubject() throws {
        // Given a name full of HTML specials
        let name = #"<b>Tom & "Jerry's"</b>"#

        // When used in the subject, the body and a link
        let result = try render(
            "Dear {{name}}, [leave]({{unsubscribe_url}})", subject: "For {{name}}",
            ["name": name, "unsubscribe_url": "https://example.com/u?a=1&b=2"])

        // Then only the HTML escapes it (including in the attribute)
        #expect(
            result.html
                == "<p>Dear &lt;b&gt;Tom &amp; &quot;Jerry&#39;s&quot;&lt;/b&gt;, "
                + "<a href=\"https://example.com/u?a=1&amp;b=2\">leave</a></p>")
        #expect(result.text == "Dear \(name), leave (https://example.com/u?a=1&b=2)\n")
        #expect(result.subject == "For \(name)")
    }

    @Test(arguments: [(["name": "Ann"], "Dear Ann"), ([:], "Hello"), (["name": ""], "Hello")])
    func sectionsFallBackWhenAValueIsMissingOrEmpty(values: [String: String], greeting: String) throws {
        // Given a greeting with a fallback
        let markdown = "{{#name}}Dear {{name}}{{/name}}{{^name}}Hello{{/name}},"

        // When rendered
        let result = try render(markdown, subject: "{{#name}}For {{name}}{{/name}}{{^name}}News{{/name}}", values)

        // Then the right branch shows everywhere
        #expect(result.html == "<p>\(greeting),</p>")
        #expect(result.text == "\(greeting),\n")
        #expect(result.subject == (values["name"]?.isEmpty == false ? "For Ann" : "News"))
    }

    @Test func sectionsOnLinesOfTheirOwnWrapWholeBlocks() throws {
        // Given sections around a heading and paragraphs
        let markdown = """
            {{#name}}
            ## For {{name}}

            A paragraph only named readers see.
            {{/name}}
            {{^name}}
            Hello, reader.
            {{/name}}

            The end.
            """

        // When rendered with and without a name
        let named = try render(markdown, ["name": "Ann"])
        let anonymous = try render(markdown)

        // Then whole elements appear or vanish, leaving no empty paragraph or blank lines behind
        #expect(named.html == "<h2>For Ann</h2><p>A paragraph only named readers see.</p><p>The end.</p>")
        #expect(anonymous.html == "<p>Hello, reader.</p><p>The end.</p>")
        #expect(named.text == "For Ann\n------------\n\nA paragraph only named readers see.\n\nThe end.\n")
        #expect(anonymous.text == "Hello, reader.\n\nThe end.\n")
    }

    @Test func commentsDisappear() throws {
        // Given a comment inline and one on its own line
        let result = try render("One {{! inline }}line\n{{! a note for editors }}\nand more.")

        // Then neither shows, and the paragraph stays whole
        #expect(result.html == "<p>One line and more.</p>")
    }

    @Test func plainTextIsWrappedAt76Columns() throws {
        // Given a long paragraph and a long list item
        let words = (1...60).map { "word\($0)" }.joined(separator: " ")

        // When rendered
        let result = try render("\(words)\n\n- \(words)")

        // Then no line is longer than 76, no word is lost, and list lines are indented under the marker
        let lines = result.text.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 76 })
        #expect(result.text.split(whereSeparator: \.isWhitespace).filter { $0.hasPrefix("word") }.count == 120)
        #expect(lines.contains { $0.hasPrefix("- word1 ") })
        #expect(lines.last?.hasPrefix("  word") == true)
    }

    @Test func quotesAndLineBreaksInText() throws {
        // Given a quote and a hard line break
        let result = try render("> Quoted {{name}}\n\nFirst<br>second", ["name": "Ann"])

        // Then the quote is prefixed and the break kept
        #expect(result.text == "> Quoted Ann\n\nFirst\nsecond\n")
    }

    @Test func bracesMarkdownLeavesBehindAreNotTags() throws {
        // Given escaped braces, which Markdown turns into {{, and a brace that ends up right before a tag
        let markdown = #"Write \{\{name}} to greet, or *{*{{name}}"#

        // When rendered with a name
        let result = try render(markdown, ["name": "<Ann>"])

        // Then the literal braces stay text, and the real tag is replaced and escaped
        #expect(result.html == "<p>Write &#123;{name}} to greet, or <em>{</em>&lt;Ann&gt;</p>")
        #expect(result.text == "Write {\u{2060}{name}} to greet, or {\u{2060}<Ann>\n")
    }

    @Test func subjectIsOneLine() throws {
        // Given a subject with a line break, and a value trying to add a header
        let result = try render("Body", subject: "Hello\r\n{{name}}", ["name": "Ann\r\nBcc: all@example.com"])

        // Then the subject has no line breaks left
        #expect(result.subject == "Hello Ann Bcc: all@example.com")
    }
}
