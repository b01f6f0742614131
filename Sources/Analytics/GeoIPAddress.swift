/// An IP address read from text for a GeoIP lookup, without allocating.
///
/// IPv4-mapped IPv6 addresses ("::ffff:203.0.113.9", as a dual-stack socket reports an IPv4 client) are read as the
/// IPv4 address they carry, so they are found whether or not the database links `::ffff:0:0/96` to its IPv4 data.
enum GeoIPAddress: Equatable {
    /// An IPv4 address, most significant byte first.
    case v4(UInt32)
    /// An IPv6 address, most significant byte first.
    case v6(UInt128)

    /// The longest text form: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255".
    private static let maximumLength = 45

    /// Reads "203.0.113.9", "2001:db8::1" or "::ffff:203.0.113.9"; nil for anything else, including zone
    /// identifiers ("fe80::1%eth0"), brackets, ports, white space and octets with leading zeros ("010.0.0.1").
    init?(_ text: some StringProtocol) {
        let parsed: GeoIPAddress?
        if let result = text.utf8.withContiguousStorageIfAvailable({ Self.parse($0) }) {
            parsed = result
        } else {
            parsed = Array(text.utf8).withUnsafeBufferPointer { Self.parse($0) }
        }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Reads an address filling the whole of `bytes`.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> GeoIPAddress? {
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return nil }
        guard bytes.contains(UInt8(ascii: ":")) else { return ipv4(bytes, from: 0).map { .v4($0) } }
        guard let value = ipv6(bytes) else { return nil }
        if value >> 32 == 0xFFFF { return .v4(UInt32(truncatingIfNeeded: value)) }
        return .v6(value)
    }

    /// Reads a dotted-quad IPv4 address from `start` to the end of `bytes`.
    private static func ipv4(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        for index in start..<bytes.count {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                // "0" alone is an octet; "01" is not (some readers take it for octal).
                if digits > 0 && octet == 0 { return nil }
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                if octet > 255 { return nil }
            } else if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | octet
                octet = 0
                digits = 0
                dots += 1
            } else {
                return nil
            }
        }
        guard digits > 0, dots == 3 else { return nil }
        return value << 8 | octet
    }

    /// Reads an IPv6 address (RFC 4291 section 2.2: groups of up to four hex digits, at most one "::", optionally
    /// ending in a dotted-quad IPv4 address).
    private static func ipv6(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt128? {
        // Groups before "::" go into `head`, groups after it into `tail`.
        var head: UInt128 = 0
        var headCount = 0
        var tail: UInt128 = 0
        var tailCount = 0
        var compressed = false
        var index = 0
        let count = bytes.count

        /// Adds one 16-bit group; false when there would be more than eight.
        func append(_ group: UInt128) -> Bool {
            guard headCount + tailCount < 8 else { return false }
            if compressed {
                tail = tail << 16 | group
                tailCount += 1
            } else {
                head = head << 16 | group
                headCount += 1
            }
            return true
        }

        if bytes[0] == UInt8(ascii: ":") {
            guard count >= 2, bytes[1] == UInt8(ascii: ":") else { return nil }
            compressed = true
            index = 2
        }
        while index < count {
            let groupStart = index
            var group: UInt128 = 0
            var digits = 0
            while index < count, let digit = hexDigit(bytes[index]) {
                guard digits < 4 else { return nil }
                group = group << 4 | UInt128(digit)
                digits += 1
                index += 1
            }
            if index < count && bytes[index] == UInt8(ascii: ".") {
                // An IPv4 address ends the text and stands for the last two groups.
                guard let ipv4 = ipv4(bytes, from: groupStart), append(UInt128(ipv4 >> 16)),
                    append(UInt128(ipv4 & 0xFFFF))
                else { return nil }
                index = count
                break
            }
            guard digits > 0, append(group) else { return nil }
            if index == count { break }
            guard bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            if index < count && bytes[index] == UInt8(ascii: ":") {
                guard !compressed else { return nil }
                compressed = true
                index += 1
            } else if index == count {
                // A single trailing colon.
                return nil
            }
        }
        let groups = headCount + tailCount
        guard compressed ? groups < 8 : groups == 8 else { return nil }
        // Shifting by 128 bits (no group before "::") gives 0.
        return compressed ? head << (16 * (8 - headCount)) | tail : head
    }

    /// The value of an ASCII hex digit, or nil.
    @inline(__always) private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
