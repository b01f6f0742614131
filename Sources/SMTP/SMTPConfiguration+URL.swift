import Foundation

extension SMTPConfiguration {
    /// Parses an `smtp://` or `smtps://` URL.
    ///
    /// User and password are percent-decoded. Query items: `tls=none` (plain, `smtp://` to a loopback host only),
    /// `tls=starttls` (the default for `smtp://`) and `helo=NAME`. IPv6 hosts go in brackets (`smtp://[::1]:25`).
    /// - Parameter url: The URL, e.g. `smtps://mailer:s3cr%40t@mail.example.com`.
    /// - Throws: `SMTPConfiguration.Error` with a sentence naming what is wrong (never the password).
    public init(url: String) throws(SMTPConfiguration.Error) {
        guard let schemeEnd = url.range(of: "://") else {
            throw Error("The SMTP URL must start with smtp:// or smtps://.")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let security: Security
        let defaultPort: Int
        switch scheme {
        case "smtp":
            security = .startTLS
            defaultPort = 587
        case "smtps":
            security = .implicitTLS
            defaultPort = 465
        default:
            throw Error("The SMTP URL scheme must be smtp or smtps.")
        }

        var rest = url[schemeEnd.upperBound...]
        var query: Substring = ""
        if let questionMark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: questionMark)...]
            rest = rest[..<questionMark]
        }
        if let fragment = query.firstIndex(of: "#") {
            query = query[..<fragment]
        }
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...] == "/" else {
                throw Error("The SMTP URL must not have a path.")
            }
            rest = rest[..<slash]
        }

        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let user = userInfo.firstIndex(of: ":").map { userInfo[..<$0] } ?? userInfo
            username = try Self.percentDecoded(user, what: "user name")
            if let colon = userInfo.firstIndex(of: ":") {
                password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...], what: "password")
            }
            if username?.isEmpty ?? true {
                throw Error("The SMTP URL has credentials but no user name.")
            }
        }

        let (host, port) = try Self.hostAndPort(rest, defaultPort: defaultPort)
        self.init(host: host, port: port, security: security, username: username, password: password)
        try applyQuery(query)
    }

    /// Applies `tls=` and `helo=` query items.
    private mutating func applyQuery(_ query: Substring) throws(SMTPConfiguration.Error) {
        for item in query.split(separator: "&") {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = pair[0].lowercased()
            let value = pair.count > 1 ? try Self.percentDecoded(pair[1], what: "\(key) value") : ""
            switch (key, value.lowercased()) {
            case ("tls", "none"):
                guard security == .startTLS else {
                    throw Error("tls=none only applies to smtp:// URLs.")
                }
                guard Self.isLoopback(host) else {
                    throw Error("tls=none is only allowed for a loopback host (localhost, 127.0.0.1, ::1).")
                }
                security = .plain
            case ("tls", "starttls"):
                guard security == .startTLS else {
                    throw Error("tls=starttls only applies to smtp:// URLs.")
                }
            case ("tls", _):
                throw Error("The SMTP URL's tls option must be none or starttls.")
            case ("helo", _):
                guard !value.isEmpty, value.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
                    throw Error("The SMTP URL's helo option must be a host name.")
                }
                heloName = value
            default:
                throw Error("The SMTP URL has an unknown option \"\(key)\"; known options are tls and helo.")
            }
        }
    }

    /// Splits `host[:port]` or `[ipv6][:port]`.
    private static func hostAndPort(
        _ authority: Substring, defaultPort: Int
    ) throws(SMTPConfiguration.Error) -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw Error("The SMTP URL has an unterminated [IPv6] host.")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw Error("The SMTP URL has text after its [IPv6] host.")
                }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else {
            throw Error("The SMTP URL has no host.")
        }
        let forbidden: Set<Character> = [" ", "/", "?", "#", "@", "[", "]", "%"]
        if host.contains(where: { forbidden.contains($0) || $0.isNewline }) {
            throw Error("The SMTP URL's host contains characters that are not allowed.")
        }
        guard let portText else {
            return (String(host), defaultPort)
        }
        guard let port = Int(portText), (1...65535).contains(port), portText.allSatisfy(\.isASCII) else {
            throw Error("The SMTP URL's port must be a number from 1 to 65535.")
        }
        return (String(host), port)
    }

    /// Percent-decodes one URL component.
    /// - Throws: `SMTPConfiguration.Error` naming `what` when an escape is malformed or not UTF-8.
    private static func percentDecoded(_ text: Substring, what: String) throws(SMTPConfiguration.Error) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let high = utf8.index(after: index)
                guard high != utf8.endIndex, utf8.index(after: high) != utf8.endIndex,
                    let value = UInt8(String(decoding: utf8[high...utf8.index(after: high)], as: UTF8.self), radix: 16)
                else {
                    throw Error("The SMTP URL's \(what) has a malformed percent escape.")
                }
                bytes.append(value)
                index = utf8.index(high, offsetBy: 2)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw Error("The SMTP URL's \(what) is not valid UTF-8 once decoded.")
        }
        return decoded
    }

    /// Whether `host` names this machine: `localhost`, 127.0.0.0/8 or `::1`.
    static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered.hasSuffix(".localhost") || lowered == "::1" {
            return true
        }
        let octets = lowered.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
