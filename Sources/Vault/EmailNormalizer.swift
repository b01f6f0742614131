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
        email
            .trimmingCharacters(in: .whitespacesAndNewlines)
            .precomposedStringWithCanonicalMapping
            .lowercased()
            .precomposedStringWithCanonicalMapping
    }
}
