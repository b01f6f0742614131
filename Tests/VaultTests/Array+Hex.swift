extension [UInt8] {
    /// Decodes hexadecimal text, two characters per byte.
    ///
    /// - Important: Traps on malformed text; only test vectors written into the tests are decoded.
    init(hex: String) {
        let digits = Array(hex.utf8)
        precondition(digits.count.isMultiple(of: 2), "hex text has an odd length")
        self = stride(from: 0, to: digits.count, by: 2).map { index in
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                preconditionFailure("hex text has a non-hex character")
            }
            return byte
        }
    }

    /// The bytes as lowercase hexadecimal text.
    var hex: String {
        map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}

extension String {
    /// Whether the text is exactly `count` lowercase hexadecimal characters.
    func isLowercaseHex(count: Int) -> Bool {
        utf8.count == count
            && utf8.allSatisfy {
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            }
    }
}
