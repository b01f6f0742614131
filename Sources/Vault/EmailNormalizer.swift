import Foundation

/// Brings an e-mail address into the one form that is indexed, so lookups match however the user typed it.
public enum EmailNormalizer {
    /// Trims surrounding whitespace and newlines, applies Unicode NFC, and lowercases the whole address.
    ///
    /// The local part is lowercased too: strictly it is case-sensitive, but no real mail system treats it so, and
    /// two accounts differing only in case would be a trap. NFC is applied again after lowercasing because a case
    /// mapping can produce decomposed text; that keeps the result stable when normalised twice.
    ///
    /// - Parameter email: The address as entered. It is not validated here.
    /// - Returns: The normalised address.
    public static func normalize(_ email: String) -> String {
        // Plain ASCII (nearly every address) needs no Unicode normalisation: trim and lowercase the bytes.
        let bytes = Array(email.utf8)
        if bytes.allSatisfy({ $0 < 0x80 }) {
            var start = 0
            var end = bytes.count
            while start < end, isSpace(bytes[start]) { start += 1 }
            while end > start, isSpace(bytes[end - 1]) { end -= 1 }
            return String(
                decoding: bytes[start..<end].map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
        }
        return
            email
            .trimmingCharacters(in: .whitespacesAndNewlines)
            .precomposedStringWithCanonicalMapping
            .lowercased()
            .precomposedStringWithCanonicalMapping
    }

    /// ASCII white space and line breaks, as `trimmingCharacters(in: .whitespacesAndNewlines)` trims them.
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}
