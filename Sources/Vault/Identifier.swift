import Foundation

/// Ids for new rows: UUID version 7 text (RFC 9562) — a millisecond timestamp followed by 64 random bits.
///
/// Rows created together get neighbouring ids, so inserting thousands of them (an import, a campaign) appends to
/// the indexes instead of scattering writes across them. The random bits come from the system generator directly:
/// Foundation's `UUID()` on Linux opens and reads `/dev/urandom` for every id.
public enum Identifier {
    /// A new id like `019ab8f2-6c3e-7d41-9a2b-5f3e8c1d2a47`.
    /// - Parameter milliseconds: The time to put in it (now by default).
    public static func make(milliseconds: Int64? = nil) -> String {
        let time = UInt64(max(0, milliseconds ?? Int64(Date().timeIntervalSince1970 * 1000)))
        let random = SecureRandom.uint64()
        let high = (time << 16) | 0x7000 | (random >> 52)
        let low = (random & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            func put(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    buffer[position] = digits[Int((value >> UInt64(shift)) & 0xF)]
                    position += 1
                }
            }
            func dash() {
                buffer[position] = UInt8(ascii: "-")
                position += 1
            }
            put(high >> 32, nibbles: 8)
            dash()
            put(high >> 16, nibbles: 4)
            dash()
            put(high, nibbles: 4)
            dash()
            put(low >> 48, nibbles: 4)
            dash()
            put(low, nibbles: 12)
            return position
        }
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)
}
