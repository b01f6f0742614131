/// The browser, operating system and kind of device named by a `User-Agent` header: coarse, non-personal
/// dimensions for analytics.
public struct UserAgent: Sendable, Equatable {
    /// The kind of device.
    public enum Device: String, Sendable {
        /// A desktop or laptop computer (and anything unknown that does not say "Mobile").
        case desktop
        /// A phone.
        case mobile
        /// A tablet.
        case tablet
    }

    /// The browser family: "Chrome", "Firefox", "Safari", "Edge", "Opera", "Samsung Internet", "Vivaldi",
    /// "Yandex", "UC Browser", "Chrome WebView", "Safari WebView", "Facebook App", "Instagram App",
    /// "Internet Explorer" or "Other".
    ///
    /// Chrome on iOS, Firefox on iOS and Edge on iOS and Android count as their desktop families; Brave cannot be
    /// told from Chrome.
    public var browser: String
    /// The browser's major version, e.g. "126"; "" when unknown.
    public var browserVersion: String
    /// The operating system: "Windows", "macOS", "iOS", "iPadOS", "Android", "Linux", "Chrome OS" or "Other".
    public var os: String
    /// The operating system's version: "10" for Windows 10 and 11 (both say NT 10.0), "8.1", "7", "14" for
    /// macOS 14 ("10.15" before macOS 11), "17.5" for iOS 17.5, "14" for Android 14; "" when unknown.
    public var osVersion: String
    /// The kind of device.
    public var device: Device

    /// Creates a user agent from its parts.
    public init(browser: String, browserVersion: String, os: String, osVersion: String, device: Device) {
        self.browser = browser
        self.browserVersion = browserVersion
        self.os = os
        self.osVersion = osVersion
        self.device = device
    }

    /// Parses a `User-Agent` header; never fails, unknown parts are "Other" or "".
    ///
    /// An iPad in desktop mode says "Macintosh" and is reported as macOS on a desktop: it cannot be told apart.
    /// An Android device that does not say "Mobile" is a tablet.
    public static func parse(_ header: some StringProtocol) -> UserAgent {
        ByteScanner.scanning(header) { scanner in
            let system = operatingSystem(in: scanner)
            let browser = browser(in: scanner, os: system.os)
            return UserAgent(
                browser: browser.name, browserVersion: browser.version, os: system.os, osVersion: system.version,
                device: system.device)
        }
    }
}
