extension UserAgent {
    /// The browser family and major version a user agent names.
    ///
    /// The order of the checks matters: in-app browsers, Edge, Opera, Samsung Internet, Yandex, Vivaldi and UC
    /// all say "Chrome", Chrome says "Safari", and Internet Explorer 11 says "like Gecko".
    static func browser(in scanner: ByteScanner, os: String) -> (name: String, version: String) {
        if scanner.contains("FBAN/") || scanner.contains("FB_IAB/") || scanner.contains("FBAV/") {
            return ("Facebook App", scanner.major(at: scanner.end(of: "FBAV/")))
        }
        if let index = scanner.end(of: "Instagram ") {
            return ("Instagram App", scanner.major(at: index))
        }
        if let index = scanner.end(of: "Edg/") ?? scanner.end(of: "EdgA/") ?? scanner.end(of: "EdgiOS/")
            ?? scanner.end(of: "Edge/")
        {
            return ("Edge", scanner.major(at: index))
        }
        if let index = scanner.end(of: "OPR/") ?? scanner.end(of: "OPiOS/") ?? scanner.end(of: "OPT/") {
            return ("Opera", scanner.major(at: index))
        }
        if scanner.contains("Opera") {
            // Presto-era Opera froze "Opera/9.80" and gives its real version after "Version/".
            return ("Opera", scanner.major(at: scanner.end(of: "Version/") ?? scanner.end(of: "Opera/")))
        }
        if let index = scanner.end(of: "SamsungBrowser/") {
            return ("Samsung Internet", scanner.major(at: index))
        }
        if let index = scanner.end(of: "YaBrowser/") {
            return ("Yandex", scanner.major(at: index))
        }
        if let index = scanner.end(of: "Vivaldi/") {
            return ("Vivaldi", scanner.major(at: index))
        }
        if let index = scanner.end(of: "UCBrowser/") ?? scanner.end(of: "UCWEB/") {
            return ("UC Browser", scanner.major(at: index))
        }
        if let index = scanner.end(of: "MSIE ") {
            return ("Internet Explorer", scanner.major(at: index))
        }
        if scanner.contains("Trident/") {
            return ("Internet Explorer", scanner.major(at: scanner.end(of: "rv:")))
        }
        if let index = scanner.end(of: "FxiOS/") ?? scanner.end(of: "Firefox/") {
            return ("Firefox", scanner.major(at: index))
        }
        if let index = scanner.end(of: "CriOS/") {
            return ("Chrome", scanner.major(at: index))
        }
        if let index = scanner.end(of: "Chrome/") {
            // Android WebViews mark themselves with "; wv)"; old ones only with "Version/4.0".
            let webView = os == "Android" && (scanner.contains("; wv)") || scanner.contains("Version/"))
            return (webView ? "Chrome WebView" : "Chrome", scanner.major(at: index))
        }
        let apple = os == "iOS" || os == "iPadOS" || os == "macOS"
        if scanner.contains("Mobile Safari UI/WKWebView") {
            return ("Safari WebView", "")
        }
        if apple, let index = scanner.end(of: "Version/"), scanner.contains("Safari/") {
            return ("Safari", scanner.major(at: index))
        }
        if os == "iOS" || os == "iPadOS", scanner.contains("AppleWebKit/") {
            // Apps embedding WKWebView send Safari's agent without "Version/" (and often without "Safari/").
            return ("Safari WebView", "")
        }
        return ("Other", "")
    }
}
