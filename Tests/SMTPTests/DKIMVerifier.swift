import Crypto
import Foundation
import Testing
import _CryptoExtras

/// A minimal DKIM verifier for the tests, written separately from the signer (on strings, with its own
/// canonicalization) so that a shared mistake does not cancel out. Handles rsa-sha256 with relaxed/relaxed only.
struct DKIMVerifier {
    /// What a verification found.
    struct Outcome {
        /// The `DKIM-Signature` tags, values with whitespace removed.
        var tags: [String: String]
        /// Whether `bh=` matches the body.
        var isBodyHashValid: Bool
        /// Whether `b=` is a valid signature of the header hash.
        var isSignatureValid: Bool

        /// Whether both hold.
        var isValid: Bool { isBodyHashValid && isSignatureValid }
    }

    /// The public key from the TXT record value.
    let publicKey: _RSA.Signing.PublicKey

    /// Reads the key from a `v=DKIM1; k=rsa; p=…` record.
    init(dnsRecord: String) throws {
        let tags = Self.tags(dnsRecord)
        let der = try #require(Data(base64Encoded: tags["p"] ?? ""))
        publicKey = try _RSA.Signing.PublicKey(unsafeDERRepresentation: der)
    }

    /// Verifies the first `DKIM-Signature` field of a message with CRLF line breaks.
    func verify(_ message: String) throws -> Outcome {
        let parts = message.components(separatedBy: "\r\n\r\n")
        let headerText = parts[0]
        let body = parts.dropFirst().joined(separator: "\r\n\r\n")
        let fields = Self.fields(headerText)
        let signatureField = try #require(fields.first { Self.name(of: $0) == "dkim-signature" })
        let signatureValue = String(signatureField.drop { $0 != ":" }.dropFirst())
        let tags = Self.tags(signatureValue)

        let bodyHash = Data(SHA256.hash(data: Data(Self.canonicalBody(body).utf8))).base64EncodedString()

        var input = ""
        var used = Set<Int>()
        for name in (tags["h"] ?? "").split(separator: ":").map({ $0.lowercased() }) {
            // The last occurrence not used yet, going up.
            if let index = fields.indices.reversed().first(where: {
                !used.contains($0) && Self.name(of: fields[$0]) == name
            }) {
                used.insert(index)
                input += Self.canonicalHeader(fields[index])
            }
        }
        // Without the final CRLF; counted in bytes, since Swift counts "\r\n" as one Character.
        input += String(
            decoding: Self.canonicalHeader(Self.removingSignature(signatureField)).utf8.dropLast(2), as: UTF8.self)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try #require(Data(base64Encoded: tags["b"] ?? "")))
        let isSignatureValid = publicKey.isValidSignature(
            signature, for: SHA256.hash(data: Data(input.utf8)), padding: .insecurePKCS1v1_5)
        return Outcome(tags: tags, isBodyHashValid: bodyHash == tags["bh"], isSignatureValid: isSignatureValid)
    }

    /// The header fields, each with its continuation lines (CRLFs kept inside).
    static func fields(_ header: String) -> [String] {
        var fields: [String] = []
        for line in header.components(separatedBy: "\r\n") {
            if line.hasPrefix(" ") || line.hasPrefix("\t"), !fields.isEmpty {
                fields[fields.count - 1] += "\r\n" + line
            } else {
                fields.append(line)
            }
        }
        return fields
    }

    /// The lowercased name of a field.
    static func name(of field: String) -> String {
        field.prefix { $0 != ":" }.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// `tag=value` pairs separated by `;`, with all whitespace removed from the values.
    static func tags(_ list: String) -> [String: String] {
        var tags: [String: String] = [:]
        for pair in list.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else {
                continue
            }
            let name = parts[0].trimmingCharacters(in: .whitespacesAndNewlines)
            tags[name] = parts[1].filter { !$0.isWhitespace }
        }
        return tags
    }

    /// The field with the value of its `b=` tag emptied.
    static func removingSignature(_ field: String) -> String {
        let pieces = field.components(separatedBy: ";")
        return pieces.map { piece in
            let name = piece.prefix { $0 != "=" }.trimmingCharacters(in: .whitespacesAndNewlines)
            return name == "b" ? String(piece.prefix { $0 != "=" }) + "=" : piece
        }.joined(separator: ";")
    }

    /// Relaxed header canonicalization, RFC 6376 §3.4.2.
    static func canonicalHeader(_ field: String) -> String {
        let name = Self.name(of: field)
        let value = String(field.drop { $0 != ":" }.dropFirst())
            .replacingOccurrences(of: "\r\n", with: "")
            .replacingOccurrences(of: "[ \t]+", with: " ", options: .regularExpression)
            .trimmingCharacters(in: .whitespaces)
        return "\(name):\(value)\r\n"
    }

    /// Relaxed body canonicalization, RFC 6376 §3.4.4.
    static func canonicalBody(_ body: String) -> String {
        var lines = body.components(separatedBy: "\r\n").map {
            $0.replacingOccurrences(of: "[ \t]+", with: " ", options: .regularExpression)
                .replacingOccurrences(of: " +$", with: "", options: .regularExpression)
        }
        while lines.last?.isEmpty == true {
            lines.removeLast()
        }
        return lines.map { $0 + "\r\n" }.joined()
    }
}
