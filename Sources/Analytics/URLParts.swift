/// The parts of an absolute URL that analytics needs, found by one scan of its bytes rather than by Foundation's
/// `URL`, which is far slower.
struct URLParts: Sendable, Equatable {
    /// The URL schemes understood.
    enum Scheme: Sendable, Equatable {
        /// `http://`.
        case http
        /// `https://`.
        case https
        /// `android-app://PACKAGE`, the referrer Android sends for links opened from an app.
        case androidApp
    }

    /// The scheme.
    var scheme: Scheme
    /// The host, lower-cased, without user information or port; never empty.
    var host: String
    /// The path as sent, "/" when absent; without query or fragment.
    var path: String
    /// The query without "?" and fragment; "" when absent.
    var query: String

    /// Splits an absolute http, https or android-app URL, or returns nil when `text` is not one: another scheme,
    /// no host, a host with characters no host has, or spaces or control characters anywhere.
    init?(_ text: some StringProtocol) {
        guard
            let parts = ByteScanner.scanning(
                text,
                { scanner -> URLParts? in
                    let bytes = scanner.bytes
                    for byte in bytes where byte <= 0x20 || byte == 0x7F {
                        return nil
                    }
                    let scheme: Scheme
                    let authorityStart: Int
                    if let start = Self.afterScheme("https://", in: bytes) {
                        (scheme, authorityStart) = (.https, start)
                    } else if let start = Self.afterScheme("http://", in: bytes) {
                        (scheme, authorityStart) = (.http, start)
                    } else if let start = Self.afterScheme("android-app://", in: bytes) {
                        (scheme, authorityStart) = (.androidApp, start)
                    } else {
                        return nil
                    }
                    var authorityEnd = authorityStart
                    while authorityEnd < bytes.count, !Self.endsAuthority(bytes[authorityEnd]) { authorityEnd += 1 }
                    guard let host = Self.host(in: bytes, authorityStart..<authorityEnd) else { return nil }
                    var pathEnd = authorityEnd
                    while pathEnd < bytes.count, bytes[pathEnd] != UInt8(ascii: "?"),
                        bytes[pathEnd] != UInt8(ascii: "#")
                    {
                        pathEnd += 1
                    }
                    var query = ""
                    if pathEnd < bytes.count, bytes[pathEnd] == UInt8(ascii: "?") {
                        var queryEnd = pathEnd + 1
                        while queryEnd < bytes.count, bytes[queryEnd] != UInt8(ascii: "#") { queryEnd += 1 }
                        query = scanner.text(pathEnd + 1..<queryEnd)
                    }
                    let path = pathEnd > authorityEnd ? scanner.text(authorityEnd..<pathEnd) : "/"
                    return URLParts(scheme: scheme, host: host, path: path, query: query)
                })
        else { return nil }
        self = parts
    }

    /// Creates parts from their values.
    init(scheme: Scheme, host: String, path: String, query: String) {
        self.scheme = scheme
        self.host = host
        self.path = path
        self.query = query
    }

    /// The index after `prefix` (lower-case) when the bytes start with it in any ASCII case, else nil.
    private static func afterScheme(_ prefix: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let length = prefix.utf8CodeUnitCount
        guard bytes.count >= length else { return nil }
        for offset in 0..<length where bytes[offset] | 0x20 != prefix.utf8Start[offset] | 0x20 {
            return nil
        }
        return length
    }

    /// Whether a byte ends the authority (user information, host and port).
    @inline(__always) private static func endsAuthority(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#")
    }

    /// The lower-cased host of an authority, or nil when it is empty or holds a character no host has.
    private static func host(in bytes: UnsafeBufferPointer<UInt8>, _ authority: Range<Int>) -> String? {
        var start = authority.lowerBound
        for index in authority where bytes[index] == UInt8(ascii: "@") {
            start = index + 1
        }
        var end = authority.upperBound
        if start < end, bytes[start] == UInt8(ascii: "[") {
            // An IPv6 literal: keep the brackets, drop the port after them.
            guard let close = (start..<end).first(where: { bytes[$0] == UInt8(ascii: "]") }) else { return nil }
            end = close + 1
        } else if let colon = (start..<end).first(where: { bytes[$0] == UInt8(ascii: ":") }) {
            end = colon
        }
        guard start < end else { return nil }
        var lowered = [UInt8]()
        lowered.reserveCapacity(end - start)
        for index in start..<end {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): lowered.append(byte | 0x20)
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ":"),
                0x80...0xFF:
                lowered.append(byte)
            default: return nil
            }
        }
        return String(decoding: lowered, as: UTF8.self)
    }
}
