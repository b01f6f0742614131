import Foundation
import Vault

/// Reads the token out of a message sent to the List-Unsubscribe mailto address.
///
/// Every campaign message offers `mailto:<mailbox>?subject=unsubscribe%20<token>`; mail programs send that subject
/// as it is, perhaps behind "Re:" or "Fwd:", folded, or with the token also in the body. The token is looked for in
/// the Subject first, then in the first lines of the body. Only the token's shape is checked here; its signature and
/// expiry are checked by ``SubscriptionService``.
enum UnsubscribeMail {
    /// Messages larger than this are not read past it: an unsubscribe request is a few hundred bytes.
    static let readLimit = 256 * 1024

    /// The first token-shaped word after "unsubscribe", or nil when the message has none.
    static func token(in message: [UInt8]) -> String? {
        let message = message.prefix(readLimit)
        let text = String(decoding: message, as: UTF8.self)
        let (headers, body) = split(text)
        if let subject = header("subject", in: headers), let token = token(after: subject) {
            return token
        }
        for line in body.split(whereSeparator: \.isNewline).prefix(40) {
            if let token = token(after: Substring(line)) { return token }
        }
        return nil
    }

    /// The header block (unfolded lines) and the body.
    private static func split(_ text: String) -> (headers: [Substring], body: Substring) {
        var headers: [Substring] = []
        var rest = Substring(text)
        while let end = rest.firstIndex(where: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rest[..<end].trimmingSuffix("\r")
            rest = rest[rest.index(after: end)...]
            if line.isEmpty { return (headers, rest) }
            if let first = line.first, first == " " || first == "\t", let last = headers.popLast() {
                headers.append(Substring(String(last) + " " + line.drop(while: { $0 == " " || $0 == "\t" })))
            } else {
                headers.append(line)
            }
        }
        // No blank line: everything was headers (or the message is only a body without headers).
        if !rest.isEmpty { headers.append(rest) }
        return (headers, "")
    }

    private static func header(_ name: String, in headers: [Substring]) -> Substring? {
        for line in headers {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == name {
                return line[line.index(after: colon)...]
            }
        }
        return nil
    }

    /// The word following "unsubscribe" (any case) when it looks like a token: `payload.signature`, base64url.
    private static func token(after text: Substring) -> String? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
        for (index, word) in words.enumerated() where word.lowercased().hasSuffix("unsubscribe") {
            guard index + 1 < words.count else { continue }
            let candidate = words[index + 1].trimmingCharacters(in: CharacterSet(charactersIn: "<>\"'()[],;"))
            if isTokenShaped(candidate) { return candidate }
        }
        return nil
    }

    private static func isTokenShaped(_ word: String) -> Bool {
        let parts = word.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 2, word.utf8.count < 400 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty
                && part.allSatisfy { byte in
                    switch byte {
                    case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                        true
                    default: false
                    }
                }
        }
    }
}

extension Substring {
    fileprivate func trimmingSuffix(_ suffix: Character) -> Substring {
        last == suffix ? dropLast() : self
    }
}

/// What became of a message sent to the List-Unsubscribe mailto address.
public enum MailUnsubscribeOutcome: Sendable, Equatable {
    /// The token was valid: its subscriber is off its list (or already was).
    case unsubscribed(listName: String)
    /// The message holds no unsubscribe token.
    case noToken
    /// The token is forged, altered or expired.
    case invalidToken
}

extension AppServices {
    /// Handles one message sent to the List-Unsubscribe mailto address (`steward subscribers unsubscribe-mail`).
    public func unsubscribe(mail message: [UInt8]) async throws -> MailUnsubscribeOutcome {
        try await subscriptions.unsubscribe(mail: message, requestID: "mail-" + Token.generate(byteCount: 9))
    }
}
