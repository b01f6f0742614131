extension UserAgent {
    /// The operating system, its version and the kind of device a user agent names.
    ///
    /// The order of the checks matters: iOS says "like Mac OS X", Android says "Linux", Windows Phone says
    /// "Android" and "iPhone".
    static func operatingSystem(in scanner: ByteScanner) -> (os: String, version: String, device: Device) {
        let mobile = scanner.contains("Mobile")
        if scanner.contains("Windows Phone") {
            return ("Other", "", .mobile)
        }
        if let index = scanner.end(of: "Windows NT ") {
            return ("Windows", windowsVersion(in: scanner, at: index), .desktop)
        }
        if scanner.contains("Windows") {
            return ("Windows", "", .desktop)
        }
        if scanner.contains("iPhone") || scanner.contains("iPod") {
            return ("iOS", appleMobileVersion(in: scanner), .mobile)
        }
        if scanner.contains("iPad") {
            return ("iPadOS", appleMobileVersion(in: scanner), .tablet)
        }
        if scanner.contains("CrOS") {
            return ("Chrome OS", "", .desktop)
        }
        if let index = scanner.end(of: "Android") {
            // "Android 14;" usually; some in-app agents write "Android/14" or nothing.
            let start = index < scanner.count && scanner.bytes[index] != UInt8(ascii: ";") ? index + 1 : index
            return ("Android", scanner.major(at: start), mobile ? .mobile : .tablet)
        }
        if let index = scanner.end(of: "Mac OS X") {
            return ("macOS", macVersion(in: scanner, at: index + 1), .desktop)
        }
        if scanner.contains("Macintosh") {
            return ("macOS", "", .desktop)
        }
        if scanner.contains("Linux") {
            return ("Linux", "", mobile ? .mobile : .desktop)
        }
        return ("Other", "", mobile ? .mobile : .desktop)
    }

    /// The Windows release of an NT version: "10" (also Windows 11), "8.1", "8", "7", "Vista", "XP"; "" otherwise.
    private static func windowsVersion(in scanner: ByteScanner, at index: Int) -> String {
        guard let (major, end) = scanner.number(at: index) else { return "" }
        var minor = 0
        if end < scanner.count, scanner.bytes[end] == UInt8(ascii: "."), let (value, _) = scanner.number(at: end + 1) {
            minor = value
        }
        switch (major, minor) {
        case (10, _): return "10"
        case (6, 3): return "8.1"
        case (6, 2): return "8"
        case (6, 1): return "7"
        case (6, 0): return "Vista"
        case (5, 1), (5, 2): return "XP"
        default: return ""
        }
    }

    /// The "major.minor" version of iOS or iPadOS from "iPhone OS 17_5_1" or "CPU OS 17_5"; "" when absent.
    private static func appleMobileVersion(in scanner: ByteScanner) -> String {
        guard let index = scanner.end(of: " OS "), let (major, end) = scanner.number(at: index) else { return "" }
        if end < scanner.count, scanner.bytes[end] == UInt8(ascii: "_") || scanner.bytes[end] == UInt8(ascii: "."),
            let (minor, _) = scanner.number(at: end + 1)
        {
            return "\(major).\(minor)"
        }
        return String(major)
    }

    /// The macOS version from "Mac OS X 10_15_7" or "Mac OS X 14.5": "10.15" for releases before 11, else the
    /// major version alone; "" when absent.
    private static func macVersion(in scanner: ByteScanner, at index: Int) -> String {
        guard let (major, end) = scanner.number(at: index) else { return "" }
        guard major == 10 else { return String(major) }
        if end < scanner.count, scanner.bytes[end] == UInt8(ascii: "_") || scanner.bytes[end] == UInt8(ascii: "."),
            let (minor, _) = scanner.number(at: end + 1)
        {
            return "10.\(minor)"
        }
        return "10"
    }
}
