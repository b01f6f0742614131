import Crypto
import Foundation
import Vault

/// Signs and checks the tracking links of campaign messages: `/t/o/<delivery>.<signature>.gif` for the open pixel
/// and `/t/c/<delivery>.<signature>?u=<url>` for a link.
///
/// The signature is HMAC-SHA-256 (with a key derived from the master key) over the delivery id, and for a link
/// over the URL too, so nobody can make Steward redirect to a URL of their choice or record events for a
/// delivery they did not receive.
struct MailTrackingSigner: Sendable {
    /// Links longer than this are left as they are (the click record keeps the URL).
    static let maxURLLength = 2000

    let secret: SymmetricKey

    /// The token of a delivery's open pixel: `delivery.signature`.
    func openToken(deliveryID: Int64) -> String {
        "\(deliveryID)." + Token.signature("open|\(deliveryID)", key: secret)
    }

    /// The token of one link of a delivery: `delivery.signature`.
    func clickToken(deliveryID: Int64, url: String) -> String {
        "\(deliveryID)." + Token.signature("click|\(deliveryID)|\(url)", key: secret)
    }

    /// The delivery of an open token, or nil when the token is malformed or forged.
    func openDelivery(_ token: String) -> Int64? {
        guard let (id, mac) = Self.split(token) else { return nil }
        return Token.constantTimeEquals(Token.signature("open|\(id)", key: secret), mac) ? id : nil
    }

    /// The delivery of a click token for `url`, or nil when the token is malformed or forged, or was made for
    /// another URL.
    func clickDelivery(_ token: String, url: String) -> Int64? {
        guard url.utf8.count <= Self.maxURLLength, let (id, mac) = Self.split(token) else { return nil }
        return Token.constantTimeEquals(Token.signature("click|\(id)|\(url)", key: secret), mac) ? id : nil
    }

    private static func split(_ token: String) -> (Int64, String)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count <= 19, let id = Int64(parts[0]), id > 0 else { return nil }
        return (id, String(parts[1]))
    }
}
