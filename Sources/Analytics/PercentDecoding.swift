/// Decoding of `application/x-www-form-urlencoded` query values.
enum PercentDecoding {
    /// The text of percent-encoded bytes: "%XX" becomes the byte XX and "+" a space.
    ///
    /// A "%" not followed by two hexadecimal digits is kept as it is; byte sequences that are not UTF-8 become
    /// U+FFFD.
    static func decode(_ encoded: some Collection<UInt8>) -> String {
        guard encoded.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else {
            return String(decoding: encoded, as: UTF8.self)
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(encoded.count)
        var index = encoded.startIndex
        while index != encoded.endIndex {
            let byte = encoded[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"),
                let high = encoded.index(index, offsetBy: 1, limitedBy: encoded.endIndex), high != encoded.endIndex,
                let low = encoded.index(high, offsetBy: 1, limitedBy: encoded.endIndex), low != encoded.endIndex,
                let highValue = hexValue(encoded[high]), let lowValue = hexValue(encoded[low])
            {
                bytes.append(highValue << 4 | lowValue)
                index = low
            } else {
                bytes.append(byte)
            }
            index = encoded.index(after: index)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The value of a hexadecimal digit, or nil.
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
