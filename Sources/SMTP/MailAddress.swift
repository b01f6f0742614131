/// A mailbox: an address and an optional display name.
///
/// Refuses CR, LF and NUL in the name or address (header injection) and addresses without exactly one "@" with a
/// non-empty local part and domain, or containing whitespace, control characters, angle brackets or other
/// characters that would break an address list (`,;"\()`). Non-ASCII characters are allowed (SMTPUTF8).
public struct MailAddress: Sendable, Equatable {
    /// The bare address, e.g. `alice@example.com`.
    public let address: String
    /// The display name, e.g. `Alice Example`; `nil` when absent (an empty name counts as absent).
    public let name: String?

    /// Validates and creates a mailbox.
    /// - Parameters:
    ///   - address: The bare address, without angle brackets.
    ///   - name: The display name, if any.
    /// - Throws: `MailError.headerInjection` for CR/LF/NUL, `MailError.invalidAddress` for a malformed address.
    public init(_ address: String, name: String? = nil) throws(MailError) {
        if let name, Self.containsLineBreakOrNUL(name) {
            throw .headerInjection(field: "display name")
        }
        try Self.validate(address, field: "address")
        self.address = address
        self.name = (name?.isEmpty ?? true) ? nil : name
    }

    /// Characters an address may not contain.
    private static let forbidden: Set<Unicode.Scalar> = ["<", ">", ",", ";", "\"", "\\", "(", ")"]

    /// Checks `address` against the rules in the type's documentation.
    /// - Parameters:
    ///   - address: The bare address.
    ///   - field: The field name used in the thrown error (never the value).
    /// - Throws: `MailError.headerInjection` for CR/LF/NUL, `MailError.invalidAddress` otherwise.
    static func validate(_ address: String, field: String) throws(MailError) {
        if containsLineBreakOrNUL(address) {
            throw .headerInjection(field: field)
        }
        // Plain ASCII (nearly every address) is checked byte by byte; Unicode properties only otherwise.
        if address.utf8.allSatisfy({ $0 < 0x80 }) {
            try validateASCII(address, field: field)
            return
        }
        for scalar in address.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F {
                throw .invalidAddress("\(field) contains whitespace or a control character")
            }
            if Self.forbidden.contains(scalar) {
                throw .invalidAddress("\(field) contains a character that is not allowed (<>,;\"\\())")
            }
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw .invalidAddress("\(field) must contain exactly one @")
        }
        guard !parts[0].isEmpty, !parts[1].isEmpty else {
            throw .invalidAddress("\(field) needs a local part and a domain around the @")
        }
        let domain = parts[1]
        if domain.hasPrefix(".") || domain.hasSuffix(".") || domain.contains("..") {
            throw .invalidAddress("\(field) has an empty label in its domain")
        }
        if parts[0].utf8.count > 64 || address.utf8.count > 254 {
            throw .invalidAddress("\(field) is too long")
        }
    }

    /// `validate(_:field:)` for an ASCII address, in one pass over its bytes; the same rules, the same errors.
    private static func validateASCII(_ address: String, field: String) throws(MailError) {
        var atCount = 0
        var localLength = 0
        var previous: UInt8 = 0
        var count = 0
        var emptyLabel = false
        for byte in address.utf8 {
            switch byte {
            case 0x00...0x20, 0x7F:
                throw .invalidAddress("\(field) contains whitespace or a control character")
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\""),
                UInt8(ascii: "\\"), UInt8(ascii: "("), UInt8(ascii: ")"):
                throw .invalidAddress("\(field) contains a character that is not allowed (<>,;\"\\())")
            case UInt8(ascii: "@"):
                atCount += 1
            case UInt8(ascii: "."):
                // In the domain: a dot right after the @ or after another dot leaves a label empty.
                if atCount == 1 && (previous == UInt8(ascii: "@") || previous == UInt8(ascii: ".")) {
                    emptyLabel = true
                }
            default:
                break
            }
            if atCount == 0 { localLength += 1 }
            previous = byte
            count += 1
        }
        guard atCount == 1 else {
            throw .invalidAddress("\(field) must contain exactly one @")
        }
        guard localLength > 0, previous != UInt8(ascii: "@") else {
            throw .invalidAddress("\(field) needs a local part and a domain around the @")
        }
        if emptyLabel || previous == UInt8(ascii: ".") {
            throw .invalidAddress("\(field) has an empty label in its domain")
        }
        if localLength > 64 || count > 254 {
            throw .invalidAddress("\(field) is too long")
        }
    }

    /// Whether `value` contains CR, LF or NUL, the characters that enable header and command injection.
    static func containsLineBreakOrNUL(_ value: String) -> Bool {
        var value = value
        // Over the contiguous bytes (a native string's own storage): no per-byte view bookkeeping.
        return value.withUTF8 { bytes in bytes.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 } }
    }
}
