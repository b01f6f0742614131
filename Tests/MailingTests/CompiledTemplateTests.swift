import Testing

@testable import Mailing

@Suite struct CompiledTemplateTests {
    private let variables: Set<String> = ["name", "email", "list_name", "unsubscribe_url"]

    private static let campaigns = [
        "Hello {{name}}",
        "{{#name}}Dear {{name}}{{/name}}{{^name}}Hello{{/name}},\n\nText for {{email}}.",
        "{{#name}}\n# For {{name}}\n\nSecret.\n{{/name}}\n{{^name}}\nHi.\n{{/name}}\n\nEnd {{list_name}}",
        "- {{#email}}mail {{email}}{{/email}}\n- two\n\n> {{name}}\n\n```\ncode {{name}}\n```",
        "[Unsubscribe]({{unsubscribe_url}})\n\n{{#name}}\n\n{{/name}}\n\nLast\n{{#email}}\nat the end\n{{/email}}",
        "<div title=\"{{name}}\">x</div>\n\n  {{#name}}  \nindented\n  {{/name}}\n",
        #"Literal \{\{name}}, *{*{{name}} and {{name}}}"#,
    ]

    private static let values: [[String: String]] = [
        [:],
        [
            "name": "Ann & <Bob>", "email": "ann@example.com", "list_name": "Weekly",
            "unsubscribe_url": "https://e.x/u?a=1&b=2",
        ],
        ["name": "", "email": "'quoted' \"mail\"@example.com"],
        ["name": "Ann\nLee", "list_name": "{{name}}"],
    ]

    @Test(arguments: campaigns)
    func rendersLikeSwiftMustache(markdown: String) throws {
        // Given a compiled campaign
        let content = try CampaignContent(
            subject: "{{#name}}For {{name}}{{/name}}", markdown: markdown, variables: variables)

        for values in Self.values {
            // When rendered by the compiled templates and by swift-mustache
            let fast = content.render(values)
            let reference = content.referenceRender(values)

            // Then both give exactly the same subject, HTML and text
            #expect(fast.subject == reference.subject)
            #expect(fast.html == reference.html)
            #expect(fast.text == reference.text)
        }
    }

    @Test func valueThatLooksLikeATagIsNotExpanded() throws {
        // Given a value containing tag syntax
        let content = try CampaignContent(subject: "S", markdown: "List {{list_name}}", variables: variables)

        // When rendered
        let result = content.render(["list_name": "{{name}}", "name": "secret"])

        // Then the value is shown as it is
        #expect(result.text == "List {{name}}\n")
    }
}
