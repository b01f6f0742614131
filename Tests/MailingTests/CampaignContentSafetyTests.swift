import Mailing
import Testing

@Suite struct CampaignContentSafetyTests {
    private let variables: Set<String> = ["name", "unsubscribe_url"]

    /// The HTML for `markdown`.
    private func html(_ markdown: String, _ values: [String: String] = [:]) throws -> String {
        try CampaignContent(subject: "News", markdown: markdown, variables: variables).render(values).html
    }

    @Test(arguments: [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=\"alert(1)\">",
        "<img src=x ONERROR=alert(1)//>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\" jav&#x61;script&colon;alert(1)\">x</a>",
        "<a href=\"java\tscript:alert(1)\">x</a>",
        "<a href=\"&#00000106;avascript:alert(1)\">x</a>",
        "<a href=\"&#x000006A;avascript&#58alert(1)\">x</a>",
        "<a href=\"java&Tab;script:alert(1)\">x</a>",
        "<a href=\"&jay;avascript:alert(1)\">x</a>",
        "<scr<script>ipt>alert(1)</script>",
        "<a href=x\"onmouseover=\"alert(1)\">x</a>",
        "[x](javascript:alert(1))",
        "[x](vbscript:alert(1))",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<svg onload=alert(1)><circle r=1 /></svg>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<object data=\"evil.swf\"></object><embed src=\"evil.swf\">",
        "<style>body{background:url(javascript:alert(1))}</style>",
        "<form action=\"javascript:alert(1)\"><button formaction=\"javascript:alert(1)\">x</button></form>",
        "<!-- <script>alert(1)</script> -->",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    ])
    func scriptCannotGetThrough(attack: String) throws {
        // Given Markdown with an attempt to run script
        let markdown = "Before\n\n\(attack)\n\nAfter"

        // When compiled
        let html = try html(markdown).lowercased()

        // Then nothing executable is left, and the text around it is kept
        for needle in [
            "<script", "alert", "javascript", "vbscript", "onerror", "onload", "<iframe", "<svg", "<object",
            "<embed", "<style", "data:", "formaction", "<!--",
        ] {
            #expect(!html.contains(needle), "\(needle) in \(html)")
        }
        #expect(html.hasPrefix("<p>before</p>") && html.contains("after"))
    }

    @Test func safeHTMLIsKept() throws {
        // Given ordinary raw HTML with a style and a link
        let markdown = #"<div style="color: #333"><a href="https://example.com" title="Site">Visit</a></div>"#

        // When compiled
        let html = try html(markdown)

        // Then it is unchanged
        #expect(html == markdown)
    }

    @Test func unclosedElementsAreClosedAndStrayEndTagsDropped() throws {
        // Given raw HTML that leaves a hiding div open and closes a table that was never opened, and a "self-closed"
        // div, which browsers leave open
        let markdown = "<div style=\"display:none\"><b>hidden</table>"
        let selfClosed = "Text\n\n<span style=\"display:none\"/>"

        // When compiled
        let html = try html(markdown)
        let selfClosedHTML = try self.html(selfClosed)

        // Then the fragment closes what it opened, so the layout's footer after it stays visible
        #expect(html == "<div style=\"display:none\"><b>hidden\n</b></div>")
        #expect(selfClosedHTML == "<p>Text</p><span style=\"display:none\"></span>")
    }

    @Test func linkToAURLVariableIsAllowed() throws {
        // Given a link whose whole target is the unsubscribe URL
        let html = try html(
            "[Unsubscribe]({{unsubscribe_url}}) or <a href=\"{{unsubscribe_url}}\">here</a>",
            ["unsubscribe_url": "https://example.com/u?t=a&b"])

        // Then both links point there, escaped for the attribute
        #expect(
            html
                == "<p><a href=\"https://example.com/u?t=a&amp;b\">Unsubscribe</a> or"
                + " <a href=\"https://example.com/u?t=a&amp;b\">here</a></p>")
    }

    @Test func otherVariablesCannotStartALink() {
        // Given a link whose target would come from the recipient's name
        let error = #expect(throws: CampaignContentError.self) {
            try CampaignContent(subject: "News", markdown: "Hi\n\n[me]({{name}})", variables: variables)
        }

        // Then it is refused, on its line
        #expect(error == .tagInsideHTML("{{name}}", at: .body(line: 3)))
    }

    @Test func variablesCannotNameAttributes() {
        // Given a tag where an attribute name goes, which a value could turn into an event handler
        let error = #expect(throws: CampaignContentError.self) {
            try CampaignContent(subject: "News", markdown: "<b {{name}}>x</b>", variables: variables)
        }

        // Then it is refused
        #expect(error == .tagInsideHTML("{{name}}", at: .body(line: 1)))
    }

    @Test func variableInAnUnquotedAttributeIsQuoted() throws {
        // Given a tag in an unquoted attribute value
        let html = try html("<b title={{name}}>x</b>", ["name": "a onmouseover=alert(1)"])

        // Then the value stays inside the quoted attribute
        #expect(html == "<b title=\"a onmouseover=alert(1)\">x</b>")
    }

    @Test func sectionTagInsideRemovedHTMLIsAnError() {
        // Given a section opened inside a script, closed outside
        let error = #expect(throws: CampaignContentError.self) {
            try CampaignContent(
                subject: "News", markdown: "<script>{{#name}}</script>\nHi {{/name}}", variables: variables)
        }

        // Then it is refused, since removing the script would unbalance the section
        #expect(error == .tagInRemovedHTML("{{#name}}", at: .body(line: 1)))
    }
}
