import Foundation

extension SubscriberImport {
    /// A field's checked value, or what is wrong with it.
    enum Checked<Value> {
        /// The value, cleaned up.
        case valid(Value)
        /// The message for the problem.
        case invalid(String)
    }

    /// The longest consent source, in characters.
    static let consentSourceLimit = 500
    /// The longest name, in characters.
    static let nameLimit = 200
    /// The longest tag, in characters.
    static let tagLimit = 50

    /// Checks an e-mail address with practical rules (not the full RFC 5322 grammar, which accepts addresses no
    /// mail system delivers to).
    /// - Returns: The address (trimmed, domain lower-cased) and its duplicate key (all lower-cased).
    static func checkEmail(_ raw: String) -> Checked<(address: String, key: String)> {
        let text = trimmed(raw)
        let utf8 = text.utf8
        guard !utf8.isEmpty else { return .invalid("empty — every row needs an e-mail address") }
        guard utf8.count <= 254 else { return .invalid("not a valid e-mail address — longer than 254 characters") }
        var at: String.Index?
        var upperInLocal = false
        var upperInDomain = false
        var isASCII = true
        for index in utf8.indices {
            let byte = utf8[index]
            switch byte {
            case 0..<0x21, 0x7F:
                return .invalid("not a valid e-mail address — it contains a space or an invisible control character")
            case UInt8(ascii: "@"):
                if at != nil { return .invalid("not a valid e-mail address — it has more than one @") }
                at = index
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                if at == nil { upperInLocal = true } else { upperInDomain = true }
            case 0x80...:
                isASCII = false
            case UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""),
                UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "\\"),
                UInt8(ascii: ":"):
                return .invalid(
                    "not a valid e-mail address — it contains one of , ; : < > ( ) [ ] \\ or a quote;"
                        + " is it two addresses, or a name with an address?")
            default: break
            }
        }
        guard let at else { return .invalid("not a valid e-mail address — it has no @") }
        let local = text[..<at]
        let domain = text[utf8.index(after: at)...]
        guard !local.isEmpty else { return .invalid("not a valid e-mail address — nothing before the @") }
        guard local.utf8.count <= 64 else {
            return .invalid("not a valid e-mail address — the part before the @ is longer than 64 characters")
        }
        guard !hasMisplacedDot(local.utf8) else {
            return .invalid("not a valid e-mail address — the part before the @ starts or ends with a dot, or has two")
        }
        guard !domain.isEmpty else { return .invalid("not a valid e-mail address — nothing after the @") }
        guard domain.utf8.contains(UInt8(ascii: ".")) else {
            return .invalid("not a valid e-mail address — the domain after the @ has no dot")
        }
        guard isValidDomain(domain.utf8) else {
            return .invalid("not a valid e-mail address — the domain after the @ is not a valid domain name")
        }
        guard isASCII else {
            let address = local + "@" + domain.lowercased()
            return .valid((address, address.lowercased()))
        }
        // Most addresses are already lower-case ASCII: then the trimmed text serves as both, without copying.
        let address = upperInDomain ? asciiLowercased(text, from: domain.startIndex) : text
        return .valid((address, upperInLocal ? asciiLowercased(address, from: address.startIndex) : address))
    }

    /// Checks a consent source: required, at most ``consentSourceLimit`` characters.
    static func checkConsentSource(_ raw: String) -> Checked<String> {
        let text = trimmed(raw)
        guard !text.isEmpty else { return .invalid("empty — say where and when this person agreed") }
        guard !exceeds(text, consentSourceLimit) else {
            return .invalid("longer than \(consentSourceLimit) characters — shorten it")
        }
        return .valid(text)
    }

    /// Checks when consent was given: an ISO 8601 date or date-time with zone, not after `now`.
    static func checkConsentedAt(_ raw: String, now: Date) -> Checked<Date> {
        let text = trimmed(raw)
        guard !text.isEmpty else {
            return .invalid("empty — give the date this person agreed, like 2024-05-01")
        }
        switch ConsentTimestamp.parse(text) {
        case .invalid:
            return .invalid(
                "not a date — write it like 2024-05-01, or with a time and zone like 2024-05-01T14:30:00Z")
        case .missingTimeZone:
            return .invalid(
                "a time without a time zone — add Z for UTC or an offset like +02:00, or give only the date")
        case .moment(let date, let dateOnly):
            // A date alone is midnight UTC; today's date in a zone ahead of UTC (up to +14:00) can be after `now`.
            if dateOnly {
                guard date.timeIntervalSince(now) <= 14 * 3_600 else {
                    return .invalid("in the future — consent can only have been given already")
                }
                return .valid(min(date, now))
            }
            guard date <= now else { return .invalid("in the future — consent can only have been given already") }
            return .valid(date)
        }
    }

    /// Checks a name: optional, one line, at most ``nameLimit`` characters.
    /// - Returns: nil for an empty name.
    static func checkName(_ raw: String) -> Checked<String?> {
        let text = trimmed(raw)
        guard !text.isEmpty else { return .valid(nil) }
        guard !exceeds(text, nameLimit) else { return .invalid("longer than \(nameLimit) characters — shorten it") }
        guard !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            return .invalid("contains a line break or another control character — keep the name on one line")
        }
        return .valid(text)
    }

    /// Splits tags at `;` or `|`, trimmed, dropping empty and repeated ones.
    static func checkTags(_ raw: String) -> Checked<[String]> {
        guard !raw.isEmpty else { return .valid([]) }
        var tags: [String] = []
        for part in raw.split(whereSeparator: { $0 == ";" || $0 == "|" }) {
            let tag = trimmed(String(part))
            guard !tag.isEmpty, !tags.contains(tag) else { continue }
            guard !exceeds(tag, tagLimit) else {
                return .invalid("a tag is longer than \(tagLimit) characters — shorten it (separate tags with ; or |)")
            }
            guard !tag.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                return .invalid("a tag contains a line break or another control character")
            }
            tags.append(tag)
        }
        return .valid(tags)
    }

    /// `text` without leading and trailing white space (including no-break spaces spreadsheets like to add).
    static func trimmed(_ text: String) -> String {
        // Most values need no trimming: decide from the first and last byte before looking at characters.
        if let first = text.utf8.first, let last = text.utf8.last, isPlain(first), isPlain(last) {
            return text
        }
        guard let start = text.firstIndex(where: { !$0.isWhitespace }),
            let end = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[start...end])
    }

    /// An ASCII byte that is not white space.
    private static func isPlain(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F
    }

    /// Whether `text` has more than `limit` characters, counting them only when the bytes do not already tell.
    private static func exceeds(_ text: String, _ limit: Int) -> Bool {
        text.utf8.count > limit && text.count > limit
    }

    /// Whether dot-separated text starts or ends with a dot or has two in a row.
    private static func hasMisplacedDot(_ bytes: Substring.UTF8View) -> Bool {
        var previous = UInt8(ascii: ".")
        for byte in bytes {
            if byte == UInt8(ascii: ".") && previous == UInt8(ascii: ".") { return true }
            previous = byte
        }
        return previous == UInt8(ascii: ".")
    }

    /// Whether a domain has non-empty labels of letters, digits, inner hyphens or non-ASCII (international)
    /// characters.
    private static func isValidDomain(_ bytes: Substring.UTF8View) -> Bool {
        guard !hasMisplacedDot(bytes) else { return false }
        var previous = UInt8(ascii: ".")
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), 0x80...:
                break
            case UInt8(ascii: "-"):
                if previous == UInt8(ascii: ".") { return false }
            case UInt8(ascii: "."):
                if previous == UInt8(ascii: "-") { return false }
            default:
                return false
            }
            previous = byte
        }
        return previous != UInt8(ascii: "-")
    }

    /// ASCII `text` with the letters from `start` on lower-cased.
    private static func asciiLowercased(_ text: String, from start: String.Index) -> String {
        let offset = text.utf8.distance(from: text.utf8.startIndex, to: start)
        return String(unsafeUninitializedCapacity: text.utf8.count) { buffer in
            var count = 0
            for byte in text.utf8 {
                let isUpper = count >= offset && byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
                buffer[count] = isUpper ? byte + 32 : byte
                count += 1
            }
            return count
        }
    }
}
