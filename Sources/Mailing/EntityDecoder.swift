/// Decodes HTML character references: all numeric ones and the named ones Markdown and mail editors commonly
/// produce. Unknown names stay as written.
enum EntityDecoder {
    /// Named references understood, without `&` and `;`.
    private static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "colon": ":", "Tab": "\t",
        "NewLine": "\n", "copy": "©", "reg": "®", "trade": "™", "hellip": "…", "mdash": "—", "ndash": "–",
        "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”", "laquo": "«", "raquo": "»", "euro": "€",
        "pound": "£", "bull": "•", "middot": "·", "times": "×", "shy": "", "auml": "ä", "ouml": "ö", "uuml": "ü",
        "Auml": "Ä", "Ouml": "Ö", "Uuml": "Ü", "szlig": "ß", "eacute": "é", "egrave": "è", "agrave": "à",
        "ccedil": "ç",
    ]

    /// `text` with its character references replaced.
    ///
    /// - Important: `{` and `}` are left encoded: decoded, they could form a Mustache tag that was never checked.
    static func decode(_ text: some StringProtocol) -> String {
        guard text.contains("&") else { return String(text) }
        var result = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            rest = rest[ampersand...]
            if let (decoded, after) = reference(at: rest) {
                result += decoded
                rest = rest[after...]
            } else {
                result += "&"
                rest = rest.dropFirst()
            }
        }
        return result + rest
    }

    /// The reference at the start of `text` (which starts with `&`), decoded, and the index after it.
    private static func reference(at text: Substring) -> (String, Substring.Index)? {
        let body = text.dropFirst()
        if body.first == "#" {
            let isHex = body.dropFirst().first == "x" || body.dropFirst().first == "X"
            let digits = body.dropFirst(isHex ? 2 : 1).prefix { isHex ? $0.isHexDigit : ("0"..."9").contains($0) }
            // Browsers ignore any number of leading zeros (`&#00000106;` is "j"), so they must not hide a letter here.
            let significant = digits.drop { $0 == "0" }
            guard !digits.isEmpty, significant.count <= 8,
                let value = significant.isEmpty ? 0 : UInt32(String(significant), radix: isHex ? 16 : 10),
                let scalar = Unicode.Scalar(value), value >= 0x20 || value == 0x09 || value == 0x0A,
                scalar != "{", scalar != "}"
            else { return nil }
            // Browsers accept a numeric reference without its semicolon.
            let after =
                digits.endIndex < text.endIndex && text[digits.endIndex] == ";"
                ? text.index(after: digits.endIndex) : digits.endIndex
            return (String(scalar), after)
        }
        let name = body.prefix { $0.isLetter }
        guard name.endIndex < text.endIndex, text[name.endIndex] == ";", let decoded = named[String(name)] else {
            return nil
        }
        return (decoded, text.index(after: name.endIndex))
    }
}
