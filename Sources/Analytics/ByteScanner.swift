/// A read-only view of UTF-8 bytes with the few searches the parsers need, so that no call allocates or uses a
/// regular expression engine.
///
/// - Important: A scanner is valid only inside the closure that received it; never store it.
struct ByteScanner {
    /// The bytes scanned.
    let bytes: UnsafeBufferPointer<UInt8>

    /// The number of bytes.
    var count: Int { bytes.count }

    /// Calls `body` with a scanner over the UTF-8 bytes of `text`, copying them only when they are not contiguous.
    static func scanning<Result>(_ text: some StringProtocol, _ body: (ByteScanner) -> Result) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable({ body(ByteScanner(bytes: $0)) }) {
            return result
        }
        let copy = Array(text.utf8)
        return copy.withUnsafeBufferPointer { body(ByteScanner(bytes: $0)) }
    }

    /// The index where `needle` first occurs at or after `start`, or nil; the comparison is byte for byte.
    func find(_ needle: StaticString, from start: Int = 0) -> Int? {
        let length = needle.utf8CodeUnitCount
        guard length > 0, start >= 0, bytes.count - start >= length else { return nil }
        let pattern = needle.utf8Start
        let first = pattern[0]
        let last = bytes.count - length
        var index = start
        while index <= last {
            if bytes[index] == first {
                var matched = 1
                while matched < length && bytes[index + matched] == pattern[matched] { matched += 1 }
                if matched == length { return index }
            }
            index += 1
        }
        return nil
    }

    /// Whether `needle` occurs anywhere.
    func contains(_ needle: StaticString) -> Bool {
        find(needle) != nil
    }

    /// The index just after the first occurrence of `needle`, or nil.
    func end(of needle: StaticString) -> Int? {
        find(needle).map { $0 + needle.utf8CodeUnitCount }
    }

    /// The decimal number written at `index` and the index after it, or nil when no digit is there.
    ///
    /// - Important: At most nine digits are read, so the value cannot overflow.
    func number(at index: Int) -> (value: Int, end: Int)? {
        var position = index
        var value = 0
        while position < bytes.count, position - index < 9, let digit = Self.digit(bytes[position]) {
            value = value * 10 + digit
            position += 1
        }
        return position == index ? nil : (value, position)
    }

    /// The digits written at `index` as text ("" when none), e.g. the major version after "Chrome/".
    func major(at index: Int?) -> String {
        guard let index, let (_, end) = number(at: index) else { return "" }
        return text(index..<end)
    }

    /// The text of the bytes in `range`.
    func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// The value of an ASCII digit, or nil.
    @inline(__always) static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
