/// Where a visit came from: a campaign's `utm_source`, a referring site, or nothing (direct).
public enum Source {
    /// The longest campaign value kept, in characters.
    static let maximumCampaignLength = 100

    /// The traffic source: utm_source when present in the page URL's query (lower-cased, trimmed, ≤ 100 chars),
    /// else the referrer's host without "www." / "m." (lower-cased), else "" (direct).
    ///
    /// A referrer on `siteHost` (internal navigation) gives "". Known hosts are grouped: google.* → "Google",
    /// bing.com → "Bing", duckduckgo.com → "DuckDuckGo", facebook.com and its link shims → "Facebook",
    /// t.co/twitter.com/x.com → "X (Twitter)", linkedin.com/lnkd.in → "LinkedIn", news.ycombinator.com →
    /// "Hacker News", reddit.com → "Reddit", youtube.com → "YouTube", instagram.com → "Instagram", yandex.* →
    /// "Yandex", baidu.com → "Baidu", ecosia.org → "Ecosia", search.brave.com → "Brave Search", and Android apps
    /// such as android-app://com.google.android.gm → "Gmail". Subdomains of a known host are grouped with it.
    /// - Parameters:
    ///   - pageURL: The URL of the page viewed.
    ///   - referrer: The `document.referrer` sent with the event; "" when none.
    ///   - siteHost: The site's own host; "www." and "m." are ignored when comparing.
    /// - Returns: The source's name, or "" for direct and internal traffic.
    public static func of(pageURL: some StringProtocol, referrer: some StringProtocol, siteHost: String) -> String {
        let utmSource = campaign(pageURL: pageURL).source
        if !utmSource.isEmpty {
            return utmSource
        }
        guard !referrer.isEmpty, let parts = URLParts(referrer) else { return "" }
        if parts.scheme == .androidApp {
            return knownApps[parts.host] ?? parts.host
        }
        let host = withoutMobilePrefix(parts.host)
        guard host != withoutMobilePrefix(siteHost.lowercased()) else { return "" }
        return knownName(of: host) ?? host
    }

    /// utm_source, utm_medium, utm_campaign of a page URL (empty strings when absent), percent-decoded, ≤ 100 chars.
    ///
    /// The source is lower-cased, as in `of(pageURL:referrer:siteHost:)`, so that "Newsletter" and "newsletter"
    /// count together; medium and campaign keep their case. Values are trimmed of white space and stripped of
    /// control characters; "+" means a space. When a parameter is repeated, the first non-empty value counts.
    /// Keys are matched exactly (lower-case).
    public static func campaign(pageURL: some StringProtocol) -> (source: String, medium: String, campaign: String) {
        ByteScanner.scanning(pageURL) { scanner in
            var result = (source: "", medium: "", campaign: "")
            let bytes = scanner.bytes
            var index = 0
            while index < bytes.count, bytes[index] != UInt8(ascii: "?"), bytes[index] != UInt8(ascii: "#") {
                index += 1
            }
            // A "?" inside the fragment does not start a query.
            guard index < bytes.count, bytes[index] == UInt8(ascii: "?") else { return result }
            var queryEnd = index
            while queryEnd < bytes.count, bytes[queryEnd] != UInt8(ascii: "#") { queryEnd += 1 }
            while index < queryEnd {
                let pairStart = index + 1
                var pairEnd = pairStart
                while pairEnd < queryEnd, bytes[pairEnd] != UInt8(ascii: "&") { pairEnd += 1 }
                index = pairEnd
                let pair = UnsafeBufferPointer(rebasing: bytes[pairStart..<pairEnd])
                guard pair.starts(with: "utm_".utf8) else { continue }
                let equals = pair.firstIndex(of: UInt8(ascii: "=")) ?? pair.endIndex
                let key = pair[pair.startIndex..<equals]
                let raw = pair[min(equals + 1, pair.endIndex)...]
                if key.elementsEqual("utm_source".utf8), result.source.isEmpty {
                    result.source = campaignValue(raw).lowercased()
                } else if key.elementsEqual("utm_medium".utf8), result.medium.isEmpty {
                    result.medium = campaignValue(raw)
                } else if key.elementsEqual("utm_campaign".utf8), result.campaign.isEmpty {
                    result.campaign = campaignValue(raw)
                }
            }
            return result
        }
    }

    /// A query value percent-decoded, trimmed, without control characters, and cut to 100 characters.
    private static func campaignValue(_ raw: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        // Fast path: printable ASCII needing no decoding is the value itself.
        if raw.count <= maximumCampaignLength, let first = raw.first, let last = raw.last, first != 0x20,
            last != 0x20,
            raw.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "%") && $0 != UInt8(ascii: "+") })
        {
            return String(decoding: raw, as: UTF8.self)
        }
        var scalars = String.UnicodeScalarView()
        for scalar in PercentDecoding.decode(raw).unicodeScalars where !scalar.isControl {
            scalars.append(scalar)
        }
        let untrimmed = String(scalars)
        let start = untrimmed.firstIndex { !$0.isWhitespace } ?? untrimmed.endIndex
        let end = untrimmed.lastIndex { !$0.isWhitespace }.map { untrimmed.index(after: $0) } ?? start
        let text = untrimmed[start..<end]
        return text.count > maximumCampaignLength ? String(text.prefix(maximumCampaignLength)) : String(text)
    }

    /// A host without a leading "www." or "m.".
    static func withoutMobilePrefix(_ host: String) -> String {
        if host.hasPrefix("www.") {
            return String(host.dropFirst(4))
        }
        if host.hasPrefix("m.") {
            return String(host.dropFirst(2))
        }
        return host
    }
}
