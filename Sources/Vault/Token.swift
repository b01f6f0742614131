import Crypto
import Foundation

/// Random secrets for links and cookies, and how they are stored and compared.
public enum Token {
    /// Creates a random token from the system's secure random number generator.
    ///
    /// - Parameter byteCount: How many random bytes; must be positive. The default 32 gives 256 bits.
    /// - Returns: The bytes as base64url without padding (43 characters for 32 bytes), safe in URLs and cookies.
    public static func generate(byteCount: Int = 32) -> String {
        precondition(byteCount > 0, "a token needs at least one random byte")
        let bytes = SecureRandom.bytes(byteCount)
        return base64URL(bytes)
    }

    /// Bytes as base64url without padding (RFC 4648 §5).
    public static func base64URL(_ bytes: some Collection<UInt8>) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= input.count {
            let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            output.append(alphabet[Int(value >> 18 & 63)])
            output.append(alphabet[Int(value >> 12 & 63)])
            output.append(alphabet[Int(value >> 6 & 63)])
            output.append(alphabet[Int(value & 63)])
            index += 3
        }
        let rest = input.count - index
        if rest == 1 {
            let value = UInt32(input[index]) << 16
            output.append(alphabet[Int(value >> 18 & 63)])
            output.append(alphabet[Int(value >> 12 & 63)])
        } else if rest == 2 {
            let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            output.append(alphabet[Int(value >> 18 & 63)])
            output.append(alphabet[Int(value >> 12 & 63)])
            output.append(alphabet[Int(value >> 6 & 63)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The SHA-256 of the token's UTF-8 bytes: what the database stores instead of the token.
    ///
    /// - Parameter token: The token as handed to the user.
    /// - Returns: 64 lowercase hexadecimal characters.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).lowercaseHex
    }

    /// A signature for a stateless token: the first 18 bytes (144 bits) of HMAC-SHA-256 over the payload's UTF-8
    /// bytes, as base64url (24 characters). Check it with ``constantTimeEquals(_:_:)``.
    public static func signature(_ payload: String, key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: key)
        return base64URL(Array(mac).prefix(18))
    }

    /// Compares the UTF-8 bytes of two strings in time that does not depend on where they differ.
    ///
    /// - Important: The time still depends on the longer string's length; compare values of public, fixed length
    ///   (such as ``hash(_:)`` results) when the length itself is secret.
    /// - Returns: Whether both strings have exactly the same bytes (no Unicode normalisation is applied).
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        var difference: UInt8 = left.count == right.count ? 0 : 1
        for index in 0..<max(left.count, right.count) {
            let leftByte = index < left.count ? left[index] : 0
            let rightByte = index < right.count ? right[index] : 0
            difference |= leftByte ^ rightByte
        }
        return difference == 0
    }
}
