extension Source {
    /// Registrable domains (and a few exact hosts) of well-known sources, with the name they are grouped under.
    static let knownHosts: [String: String] = [
        "bing.com": "Bing",
        "duckduckgo.com": "DuckDuckGo",
        "facebook.com": "Facebook",
        "fb.com": "Facebook",
        "fb.me": "Facebook",
        "t.co": "X (Twitter)",
        "twitter.com": "X (Twitter)",
        "x.com": "X (Twitter)",
        "linkedin.com": "LinkedIn",
        "lnkd.in": "LinkedIn",
        "news.ycombinator.com": "Hacker News",
        "reddit.com": "Reddit",
        "youtube.com": "YouTube",
        "youtu.be": "YouTube",
        "instagram.com": "Instagram",
        "l.instagram.com": "Instagram",
        "baidu.com": "Baidu",
        "ecosia.org": "Ecosia",
        "search.brave.com": "Brave Search",
        "ya.ru": "Yandex",
        "mail.google.com": "Gmail",
        "search.yahoo.com": "Yahoo",
        "yahoo.com": "Yahoo",
        "qwant.com": "Qwant",
        "startpage.com": "Startpage",
        "github.com": "GitHub",
        "mastodon.social": "Mastodon",
        "bsky.app": "Bluesky",
        "pinterest.com": "Pinterest",
        "out.reddit.com": "Reddit",
        "old.reddit.com": "Reddit",
        "chatgpt.com": "ChatGPT",
        "perplexity.ai": "Perplexity",
    ]

    /// Families of search engines that use many country domains ("google.de", "google.co.uk").
    static let knownFamilies: [String: String] = ["google": "Google", "yandex": "Yandex", "bing": "Bing"]

    /// Android apps that send `android-app://PACKAGE` referrers, with the name they are grouped under.
    static let knownApps: [String: String] = [
        "com.google.android.gm": "Gmail",
        "com.google.android.googlequicksearchbox": "Google",
        "com.google.android.apps.searchlite": "Google",
        "com.google.android.youtube": "YouTube",
        "com.facebook.katana": "Facebook",
        "com.facebook.orca": "Facebook",
        "com.instagram.android": "Instagram",
        "com.twitter.android": "X (Twitter)",
        "com.linkedin.android": "LinkedIn",
        "com.reddit.frontpage": "Reddit",
        "org.telegram.messenger": "Telegram",
        "com.slack": "Slack",
        "com.microsoft.office.outlook": "Outlook",
        "com.pinterest": "Pinterest",
    ]

    /// The group name of a lower-case host without "www."/"m.", or nil when it is not well known.
    ///
    /// The host and each parent domain are looked up ("l.facebook.com" → "facebook.com"); then a family name
    /// followed only by a country-style suffix of one or two short labels ("google.com.br") matches its family.
    static func knownName(of host: String) -> String? {
        var candidate = Substring(host)
        while true {
            if let name = knownHosts[String(candidate)] {
                return name
            }
            guard let dot = candidate.firstIndex(of: ".") else { break }
            candidate = candidate[candidate.index(after: dot)...]
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return nil }
        for (position, label) in labels.enumerated() {
            guard let family = knownFamilies[String(label)] else { continue }
            let suffix = labels[(position + 1)...]
            if (1...2).contains(suffix.count), suffix.allSatisfy({ (2...3).contains($0.count) }) {
                return family
            }
        }
        return nil
    }
}
