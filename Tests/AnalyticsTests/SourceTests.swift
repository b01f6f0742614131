import Analytics
import Testing

@Suite struct SourceTests {
    /// The page every case is viewed on.
    private let page = "https://example.com/blog/post"

    @Test(
        arguments: [
            ("https://www.google.com/", "Google"),
            ("https://www.google.co.uk/search?q=x", "Google"),
            ("https://google.com.br/", "Google"),
            ("https://news.google.com/articles/abc", "Google"),
            ("https://mail.google.com/", "Gmail"),
            ("https://www.bing.com/search?q=x", "Bing"),
            ("https://cn.bing.com/", "Bing"),
            ("https://duckduckgo.com/", "DuckDuckGo"),
            ("https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com", "Facebook"),
            ("https://lm.facebook.com/", "Facebook"),
            ("https://m.facebook.com/", "Facebook"),
            ("https://www.facebook.com/", "Facebook"),
            ("https://t.co/AbC123", "X (Twitter)"),
            ("https://twitter.com/someone", "X (Twitter)"),
            ("https://x.com/", "X (Twitter)"),
            ("https://www.linkedin.com/feed/", "LinkedIn"),
            ("https://lnkd.in/abc", "LinkedIn"),
            ("https://news.ycombinator.com/item?id=1", "Hacker News"),
            ("https://www.reddit.com/r/swift/", "Reddit"),
            ("https://old.reddit.com/", "Reddit"),
            ("https://www.youtube.com/watch?v=1", "YouTube"),
            ("https://m.youtube.com/", "YouTube"),
            ("https://www.instagram.com/", "Instagram"),
            ("https://l.instagram.com/?u=x", "Instagram"),
            ("https://yandex.ru/search/?text=x", "Yandex"),
            ("https://yandex.com.tr/", "Yandex"),
            ("https://www.baidu.com/link?url=x", "Baidu"),
            ("https://www.ecosia.org/search?q=x", "Ecosia"),
            ("https://search.brave.com/search?q=x", "Brave Search"),
            ("android-app://com.google.android.gm/", "Gmail"),
            ("android-app://com.google.android.googlequicksearchbox/https/www.google.com", "Google"),
            ("android-app://org.telegram.messenger", "Telegram"),
            ("android-app://com.example.reader/", "com.example.reader"),
            ("https://www.Example.org/page", "example.org"),
            ("https://m.example.net/", "example.net"),
            ("https://blog.example.org:8443/x", "blog.example.org"),
            ("http://user:pass@forum.example.org/", "forum.example.org"),
            ("https://google.example.org/", "google.example.org"),
            ("https://notfacebook.com/", "notfacebook.com"),
        ]
    )
    func referrerHostIsGroupedOrKept(referrer: String, expected: String) {
        // Given a page viewed from a referrer
        // When its source is computed
        let source = Source.of(pageURL: page, referrer: referrer, siteHost: "example.com")

        // Then known hosts are grouped and others keep their host without "www." or "m."
        #expect(source == expected)
    }

    @Test(arguments: ["", "https://example.com/other", "https://www.example.com/", "https://EXAMPLE.com/", "not a url"])
    func directInternalAndInvalidReferrersGiveNoSource(referrer: String) {
        // Given no referrer, an internal one, or garbage
        // When the source is computed for the site example.com
        let source = Source.of(pageURL: page, referrer: referrer, siteHost: "example.com")

        // Then it is direct
        #expect(source == "")
    }

    @Test func internalNavigationIgnoresTheSiteHostsWWW() {
        // Given a site configured as www.example.com and a referrer on the bare host
        // When the source is computed
        let source = Source.of(pageURL: page, referrer: "https://example.com/", siteHost: "www.example.com")

        // Then it counts as internal
        #expect(source == "")
    }

    @Test func utmSourceWinsOverTheReferrer() {
        // Given a campaign link followed from Google
        let url = "https://example.com/?utm_source=%20Newsletter+June%20&utm_medium=email#top"

        // When the source is computed
        let source = Source.of(pageURL: url, referrer: "https://www.google.com/", siteHost: "example.com")

        // Then utm_source is used, decoded, trimmed and lower-cased
        #expect(source == "newsletter june")
    }

    @Test func emptyUTMSourceFallsBackToTheReferrer() {
        // Given a page URL with an empty utm_source
        let url = "https://example.com/?utm_source=&utm_medium=social"

        // When the source is computed
        let source = Source.of(pageURL: url, referrer: "https://t.co/x", siteHost: "example.com")

        // Then the referrer decides
        #expect(source == "X (Twitter)")
    }

    @Test func campaignReadsTheThreeParametersDecoded() {
        // Given a URL with the three UTM parameters among others, encoded
        let url =
            "https://example.com/p?ref=1&utm_campaign=Spring%20Sale%E2%80%942024&utm_source=Mail&utm_medium=e+mail#utm_source=x"

        // When its campaign is read
        let campaign = Source.campaign(pageURL: url)

        // Then each is decoded, the source lower-cased, the others' case kept; the fragment is not part of the query
        #expect(campaign.source == "mail")
        #expect(campaign.medium == "e mail")
        #expect(campaign.campaign == "Spring Sale—2024")
    }

    @Test func campaignIsEmptyWithoutParameters() {
        // Given URLs without a query, with other parameters, and with a UTM parameter only in the fragment
        let urls = ["https://example.com/", "https://example.com/?a=1&b", "https://example.com/#?utm_source=x"]

        // When their campaigns are read
        let campaigns = urls.map { Source.campaign(pageURL: $0) }

        // Then all three parts are empty
        for campaign in campaigns {
            #expect(campaign.source == "" && campaign.medium == "" && campaign.campaign == "")
        }
    }

    @Test func campaignValuesAreCutTo100CharactersAndCleaned() {
        // Given a 150-character source, a medium with control characters, and a bad escape
        let long = String(repeating: "x", count: 150)
        let url = "https://example.com/?utm_source=\(long)&utm_medium=%00e%0Amail%09&utm_campaign=100%zz"

        // When the campaign is read
        let campaign = Source.campaign(pageURL: url)

        // Then the source is cut, control characters are removed, and the bad escape is kept as written
        #expect(campaign.source == String(repeating: "x", count: 100))
        #expect(campaign.medium == "email")
        #expect(campaign.campaign == "100%zz")
    }

    @Test func firstNonEmptyRepeatedParameterCounts() {
        // Given utm_source given twice
        let url = "https://example.com/?utm_source=first&utm_source=second"

        // When the campaign is read
        let campaign = Source.campaign(pageURL: url)

        // Then the first counts
        #expect(campaign.source == "first")
    }
}
