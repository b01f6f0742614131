/// Rewrites the web links of an HTML fragment, for click tracking.
///
/// Works on the HTML that ``CampaignContent`` renders (attributes serialised as `name="value"`), without parsing it
/// again: each `<a …>` start tag with an `href` is found, its value decoded, handed to the caller, and replaced
/// with what the caller returns. Only `http:` and `https:` links are offered; `mailto:` and the like stay.
public enum LinkRewriter {
    /// `html` with the `href` of every web link replaced.
    /// - Parameters:
    ///   - html: An HTML fragment.
    ///   - transform: Given a link's URL (entities decoded), the URL to use instead, or nil to keep it.
    /// - Returns: The fragment; the new URLs are escaped for a double-quoted attribute.
    public static func rewrite(_ html: String, _ transform: (String) -> String?) -> String {
        var output = ""
        output.reserveCapacity(html.utf8.count + 256)
        var rest = Substring(html)
        while let open = anchorStart(in: rest) {
            output += rest[..<open]
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            let tag = rest[open...close]
            output += rewriteTag(tag, transform)
            rest = rest[rest.index(after: close)...]
        }
        output += rest
        return output
    }

    /// Whether `url` is an `http:` or `https:` URL (the scheme in any case): the links that are tracked.
    public static func isWebURL(_ url: String) -> Bool {
        let scheme = url.prefix(8).lowercased()
        return scheme.hasPrefix("http://") || scheme.hasPrefix("https://")
    }

    /// Where the next `<a` start tag begins (`<a` followed by a space, in either case).
    private static func anchorStart(in text: Substring) -> Substring.Index? {
        var search = text[...]
        while let lt = search.firstIndex(of: "<") {
            let after = search[search.index(after: lt)...]
            if let letter = after.first, letter == "a" || letter == "A",
                let next = after.dropFirst().first, next == " " || next == "\n" || next == "\t" || next == "\r"
            {
                return lt
            }
            search = after
        }
        return nil
    }

    /// One start tag with its `href` value rewritten (or as it was).
    private static func rewriteTag(_ tag: Substring, _ transform: (String) -> String?) -> String {
        guard let valueStart = hrefValueStart(in: tag),
            let valueEnd = tag[valueStart...].firstIndex(of: "\"")
        else { return String(tag) }
        let url = EntityDecoder.decode(tag[valueStart..<valueEnd])
        guard isWebURL(url), let replacement = transform(url) else {
            return String(tag)
        }
        return String(tag[..<valueStart]) + CampaignContent.htmlEscaped(replacement) + String(tag[valueEnd...])
    }

    /// Where the value of the tag's `href="…"` attribute starts (the attribute name in any case, after white
    /// space), or nil when it has none.
    private static func hrefValueStart(in tag: Substring) -> Substring.Index? {
        let pattern = Array("href=\"".utf8)
        var index = tag.startIndex
        var previous: Character = "<"
        while index < tag.endIndex {
            if previous.isWhitespace {
                var cursor = index
                var matched = 0
                while matched < pattern.count, cursor < tag.endIndex,
                    let byte = tag[cursor].asciiValue, byte | (byte >= 65 && byte <= 90 ? 0x20 : 0) == pattern[matched]
                {
                    matched += 1
                    cursor = tag.index(after: cursor)
                }
                if matched == pattern.count { return cursor }
            }
            previous = tag[index]
            index = tag.index(after: index)
        }
        return nil
    }
}
