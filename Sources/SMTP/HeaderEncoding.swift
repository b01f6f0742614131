import Foundation

/// Builds RFC 5322 header lines: RFC 2047 encoded-words for non-ASCII text and folding at 78 characters.
enum HeaderEncoding {
    /// The longest header line produced when the tokens allow it (RFC 5322 "SHOULD").
    static let maximumLineLength = 78

    /// UTF-8 bytes per encoded-word: 36 bytes become 48 Base64 characters, 60 with the `=?UTF-8?B?…?=` frame, so
    /// that the first word still fits after a header name such as `Subject: `.
    static let bytesPerEncodedWord = 36

    /// Renders an unstructured header (Subject, extra headers), encoding it when it is not plain printable ASCII.
    /// - Parameters:
    ///   - name: The header name, e.g. `Subject`.
    ///   - value: The raw value.
    ///   - encodeLongWords: Also encode when a single word would not fit on one line, which keeps lines under 998
    ///     characters; only right for free text, not for structured values such as URLs.
    /// - Returns: The folded header line(s) without the final CRLF.
    /// - Throws: `MailError.headerInjection` when the value contains CR, LF or NUL.
    static func unstructured(name: String, value: String, encodeLongWords: Bool) throws(MailError) -> String {
        if MailAddress.containsLineBreakOrNUL(value) {
            throw .headerInjection(field: name)
        }
        if needsEncoding(value) {
            return fold(name: name, tokens: encodedWords(value))
        }
        // Most values are short printable ASCII: one line as it is (what folding would give too).
        if name.utf8.count + 2 + value.utf8.count <= maximumLineLength {
            return name + ": " + value
        }
        // Printable ASCII: split on the UTF-8 bytes, without copying the words.
        let words = value.utf8.split(separator: 0x20, omittingEmptySubsequences: false).map { Substring($0) }
        if encodeLongWords && words.contains(where: { $0.utf8.count > maximumLineLength - 2 }) {
            return fold(name: name, tokens: encodedWords(value))
        }
        return fold(name: name, tokens: words)
    }

    /// Renders an address header such as `From` or `To`.
    /// - Parameters:
    ///   - name: The header name.
    ///   - mailboxes: The mailboxes, at least one.
    /// - Returns: The folded header line(s) without the final CRLF.
    static func addressList(name: String, mailboxes: [MailAddress]) -> String {
        // One mailbox whose name is plain words: one line, as folding would leave it, when it fits.
        if mailboxes.count == 1, let mailbox = mailboxes.first,
            mailbox.name.map({ !needsEncoding($0) && isAtomSequence($0) }) ?? true
        {
            let line =
                mailbox.name.map { "\(name): \($0) <\(mailbox.address)>" } ?? "\(name): \(mailbox.address)"
            if line.utf8.count <= maximumLineLength { return line }
        }
        var tokens: [String] = []
        for (index, mailbox) in mailboxes.enumerated() {
            let separator = index < mailboxes.count - 1 ? "," : ""
            if let displayName = mailbox.name {
                tokens.append(contentsOf: phrase(displayName))
                tokens.append("<\(mailbox.address)>\(separator)")
            } else {
                tokens.append("\(mailbox.address)\(separator)")
            }
        }
        return fold(name: name, tokens: tokens)
    }

    /// Renders a display name as the tokens of an RFC 5322 phrase: atoms as they are, a quoted-string when it
    /// has specials, encoded-words when it is not printable ASCII.
    /// - Parameter displayName: The display name.
    /// - Returns: Tokens to be joined by single spaces.
    static func phrase(_ displayName: String) -> [String] {
        if needsEncoding(displayName) {
            return encodedWords(displayName)
        }
        // Printable ASCII here: atoms separated by single spaces, nothing around them, go as they are.
        if displayName.isEmpty { return [] }
        if isAtomSequence(displayName) {
            return displayName.utf8.split(separator: 0x20).map { String(Substring($0)) }
        }
        let escaped = displayName.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
        return ["\"\(escaped)\""]
    }

    /// Splits `text` into RFC 2047 encoded-words (UTF-8, Base64), never splitting a Unicode scalar.
    /// - Parameter text: The text to encode.
    /// - Returns: Encoded-words; whitespace between them is ignored by decoders.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > bytesPerEncodedWord, !chunk.isEmpty {
                words.append(encodedWord(chunk))
                chunk.removeAll(keepingCapacity: true)
            }
            chunk.append(contentsOf: bytes)
        }
        if !chunk.isEmpty || words.isEmpty {
            words.append(encodedWord(chunk))
        }
        return words
    }

    /// Joins tokens with single spaces after `name:` and folds before a token that would pass 78 characters.
    ///
    /// Unfolding (removing each CRLF) gives back `name: ` followed by the tokens joined by spaces. A token longer
    /// than a line stays whole, and no fold happens before an empty token, so no line is whitespace only.
    /// - Parameters:
    ///   - name: The header name.
    ///   - tokens: The value's tokens (ASCII).
    /// - Returns: The header line(s) without the final CRLF.
    static func fold<Token: StringProtocol>(name: String, tokens: [Token]) -> String {
        var output = name + ":"
        var lineLength = output.utf8.count
        for token in tokens {
            let tokenLength = token.utf8.count
            if lineLength + 1 + tokenLength > maximumLineLength, !token.isEmpty {
                output += "\r\n"
                lineLength = 0
            }
            output += " "
            output += token
            lineLength += 1 + tokenLength
        }
        return output
    }

    /// Whether `text` has to become encoded-words: anything other than printable ASCII and tab, or a `=?` that a
    /// reader would take for the start of an encoded-word.
    static func needsEncoding(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var previous: UInt8 = 0
            for byte in bytes {
                if !(0x20...0x7E).contains(byte) && byte != 0x09 { return true }
                if previous == UInt8(ascii: "=") && byte == UInt8(ascii: "?") { return true }
                previous = byte
            }
            return false
        }
    }

    /// Whether `text` is atoms (`atext`) separated by single spaces, with no space at either end.
    private static func isAtomSequence(_ text: String) -> Bool {
        var afterSpace = true
        for byte in text.utf8 {
            if byte == 0x20 {
                if afterSpace { return false }
                afterSpace = true
            } else if byte < 0x80, isAtomText(Unicode.Scalar(byte)) {
                afterSpace = false
            } else {
                return false
            }
        }
        return !afterSpace
    }

    /// Whether `scalar` is RFC 5322 `atext` (may appear unquoted in a phrase).
    private static func isAtomText(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "!", "#", "$", "%", "&", "'", "*", "+", "-", "/", "=", "?", "^", "_", "`",
            "{", "|", "}", "~":
            return true
        default:
            return false
        }
    }

    /// Frames UTF-8 bytes as one `=?UTF-8?B?…?=` encoded-word.
    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?\(Data(bytes).base64EncodedString())?="
    }
}
