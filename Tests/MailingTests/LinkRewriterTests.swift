import Mailing
import Testing

@Suite struct LinkRewriterTests {
    @Test func webLinksAreRewrittenWithTheirDecodedURL() {
        // Given a fragment with a web link whose URL holds an escaped ampersand, and a mail link
        let html =
            #"<p>Read <a href="https://example.org/a?x=1&amp;y=2" title="t">more</a> or "#
            + #"<a href="mailto:ada@example.test">write</a>.</p>"#
        var seen: [String] = []

        // When its links are rewritten
        let result = LinkRewriter.rewrite(html) { url in
            seen.append(url)
            return "https://steward.test/t/c/1.sig?u=" + url.count.description + "&z=\"1\""
        }

        // Then only the web link was offered, decoded, and its replacement is escaped in place
        #expect(seen == ["https://example.org/a?x=1&y=2"])
        #expect(
            result == #"<p>Read <a href="https://steward.test/t/c/1.sig?u=29&amp;z=&quot;1&quot;" title="t">more</a> "#
                + #"or <a href="mailto:ada@example.test">write</a>.</p>"#)
    }

    @Test func linksTheCallerKeepsAndOtherTagsStayAsTheyWere() {
        // Given links, an abbreviation (a tag starting with "a") and an image
        let html =
            #"<abbr title="x">X</abbr><A HREF="http://example.org/">one</A><img src="http://example.org/i.png">"#
            + #"<a name="top">anchor</a>"#

        // When the caller keeps every link
        let result = LinkRewriter.rewrite(html) { _ in nil }

        // Then nothing changed
        #expect(result == html)
        // And an upper-case tag is still found
        #expect(LinkRewriter.rewrite(html) { _ in "https://t.test/" }.contains(#"<A HREF="https://t.test/">"#))
    }
}
