/// Tells crawlers, monitors, link previewers and HTTP tools from browsers by their `User-Agent`, so that their
/// requests are not counted.
public enum BotDetector {
    /// Agents shorter than this are tools or forgeries: every browser's agent is far longer.
    static let minimumLength = 20

    /// Lower-case fragments that only non-browser agents contain.
    static let markers: [String] = [
        "bot", "crawl", "spider", "slurp", "headless", "lighthouse", "pingdom", "curl/", "wget", "python-",
        "python/", "go-http-client", "java/", "okhttp", "axios", "node-fetch", "libwww", "httpclient",
        "facebookexternalhit", "preview", "whatsapp", "mediapartners", "google-inspectiontool", "googleother",
        "feedfetcher", "fetcher", "scrapy", "phantomjs", "selenium", "puppeteer", "playwright", "uptime",
        "monitor", "postman", "insomnia", "httpie", "guzzle", "ruby", "perl", "php/", "http_request",
        "embedly", "quora link", "vkshare", "w3c_validator", "archive.org", "ia_archiver", "dataprovider",
        "+http", "@",
    ]

    /// The markers grouped by their first byte, so that one pass over the agent tries only the markers that can
    /// start at each position.
    private static let markersByFirstByte: [[[UInt8]]] = {
        var table = [[[UInt8]]](repeating: [], count: 256)
        for marker in markers {
            let bytes = Array(marker.utf8)
            table[Int(bytes[0])].append(bytes)
        }
        return table
    }()

    /// Whether a `User-Agent` belongs to a crawler, monitor, link previewer or HTTP tool rather than a browser.
    ///
    /// Empty agents and agents shorter than 20 bytes count as bots. The comparison ignores ASCII case.
    public static func isBot(userAgent: some StringProtocol) -> Bool {
        ByteScanner.scanning(userAgent) { scanner in
            guard scanner.count >= minimumLength else { return true }
            let table = markersByFirstByte
            let bytes = scanner.bytes
            for start in 0..<bytes.count {
                let candidates = table[Int(lowercased(bytes[start]))]
                if candidates.isEmpty { continue }
                for marker in candidates where matches(marker, in: bytes, at: start) {
                    return true
                }
            }
            return false
        }
    }

    /// Whether `marker` (lower-case) occurs in `bytes` at `start`, ignoring ASCII case.
    private static func matches(_ marker: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        guard bytes.count - start >= marker.count else { return false }
        for offset in 1..<marker.count where lowercased(bytes[start + offset]) != marker[offset] {
            return false
        }
        return true
    }

    /// The ASCII lower-case form of a byte.
    @inline(__always) private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
