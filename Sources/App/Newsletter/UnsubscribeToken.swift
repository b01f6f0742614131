import Crypto
import Foundation
import Vault

/// The token in every campaign message's unsubscribe link: which subscriber, which list, until when.
///
/// Stateless and signed (HMAC-SHA-256 with a key derived from the master key), so checking it needs no lookup
/// and a forged or altered token is refused without revealing whether the subscriber exists.
struct UnsubscribeToken: Sendable, Equatable {
    /// How long a link in a sent message keeps working.
    static let lifetime: Int64 = 365 * 24 * 3600 * 1000

    let subscriberID: String
    let listID: String
    /// Milliseconds since 1970 after which the token is refused.
    let expiresAt: Int64

    /// The token as it appears in links: `payload.signature`, both base64url.
    func encoded(secret: SymmetricKey) -> String {
        let payload = Token.base64URL(Array("\(subscriberID)|\(listID)|\(expiresAt)".utf8))
        return payload + "." + Token.signature(payload, key: secret)
    }

    /// Reads and checks a token; nil when it is malformed, forged or expired.
    static func decode(_ text: String, secret: SymmetricKey, now: Int64) -> UnsubscribeToken? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, text.count < 400 else { return nil }
        let payload = String(parts[0])
        guard Token.constantTimeEquals(Token.signature(payload, key: secret), String(parts[1])),
            let bytes = base64URLDecode(payload)
        else { return nil }
        let fields = String(decoding: bytes, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false)
        guard fields.count == 3, let expiresAt = Int64(fields[2]), expiresAt > now else { return nil }
        return UnsubscribeToken(subscriberID: String(fields[0]), listID: String(fields[1]), expiresAt: expiresAt)
    }

    private static func base64URLDecode(_ text: String) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
