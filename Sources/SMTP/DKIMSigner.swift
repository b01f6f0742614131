import Crypto
import Foundation
import _CryptoExtras

/// Signs messages with DKIM (RFC 6376): rsa-sha256, relaxed/relaxed canonicalization.
///
/// Signing reads the message once for the body hash and once for the header fields; it never changes the
/// message, it only puts the `DKIM-Signature:` field in front. Sign the message exactly as it will be sent: any
/// later change to a signed header field or to the body breaks the signature.
public struct DKIMSigner: Sendable {
    /// The header fields signed by default, when present in the message.
    public static let defaultSignedHeaders = [
        "From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version",
        "Content-Type",
    ]

    /// The signing domain (`d=`), whose DNS publishes the public key.
    public let domain: String
    /// The selector (`s=`): the key is published at `<selector>._domainkey.<domain>`.
    public let selector: String
    /// The names of the header fields signed when present, as given (duplicates removed).
    public let signedHeaders: [String]
    /// The RSA key that signs.
    private let privateKey: _RSA.Signing.PrivateKey
    /// `signedHeaders` lowercased, as bytes, for matching field names.
    let signedNames: [[UInt8]]

    /// Creates a signer.
    /// - Parameters:
    ///   - domain: The signing domain (`d=`), e.g. `example.com`; usually the domain of the From address, so
    ///     that the signature counts for DMARC.
    ///   - selector: The selector (`s=`), e.g. `steward2025`.
    ///   - privateKeyPEM: An unencrypted RSA private key in PEM, PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8
    ///     (`BEGIN PRIVATE KEY`), of at least 1024 bits (2048 recommended).
    ///   - signedHeaders: The header fields to sign when present; must include From. Matched case-insensitively.
    /// - Throws: `DKIMError.unreadableKey`, `.keyTooSmall`, `.invalidDomain`, `.invalidSelector`,
    ///   `.invalidHeaderName` or `.fromNotSigned`.
    public init(
        domain: String, selector: String, privateKeyPEM: String,
        signedHeaders: [String] = DKIMSigner.defaultSignedHeaders
    ) throws(DKIMError) {
        guard Self.isName(domain, allowing: "-.") else {
            throw .invalidDomain
        }
        guard Self.isName(selector, allowing: "-_.") else {
            throw .invalidSelector
        }
        var names: [String] = []
        var lowercased: [[UInt8]] = []
        for name in signedHeaders {
            // RFC 5322 field names: printable ASCII except the colon.
            guard !name.isEmpty, name.utf8.allSatisfy({ (33...126).contains($0) && $0 != UInt8(ascii: ":") }) else {
                throw .invalidHeaderName(name)
            }
            let bytes = Array(name.lowercased().utf8)
            if !lowercased.contains(bytes) {
                names.append(name)
                lowercased.append(bytes)
            }
        }
        guard lowercased.contains(Array("from".utf8)) else {
            throw .fromNotSigned
        }
        do {
            // The "unsafe" initializer accepts keys from 1024 bits, which DKIM verifiers still accept (RFC 8301).
            privateKey = try _RSA.Signing.PrivateKey(unsafePEMRepresentation: privateKeyPEM)
        } catch CryptoKitError.incorrectParameterSize {
            throw .keyTooSmall
        } catch {
            throw .unreadableKey
        }
        self.domain = domain
        self.selector = selector
        self.signedHeaders = names
        self.signedNames = lowercased
    }

    /// The TXT record value to publish at `<selector>._domainkey.<domain>`: `v=DKIM1; k=rsa; p=<public key>`.
    ///
    /// For a 2048-bit key the value is longer than 255 bytes; DNS providers split it into several strings of one
    /// record, which verifiers join.
    public var dnsRecord: String {
        "v=DKIM1; k=rsa; p=\(privateKey.publicKey.derRepresentation.base64EncodedString())"
    }

    /// Returns the message with a `DKIM-Signature:` header placed first: rsa-sha256, c=relaxed/relaxed, d=, s=,
    /// t= (the signing time), bh= (SHA-256 of the relaxed body), h= listing the fields of `signedHeaders` present
    /// in the message (a name once per occurrence), folded to at most 78 characters per line.
    /// - Parameters:
    ///   - rawMessage: The RFC 5322 message; any line endings (they are signed as the CRLF they become on the
    ///     wire).
    ///   - time: The signing time for `t=`.
    /// - Returns: `DKIM-Signature: …` with CRLF line breaks, followed by `rawMessage` unchanged.
    /// - Throws: `DKIMError.missingHeaderSeparator` when there is no empty line after the header,
    ///   `.missingFromHeader` when there is no From field, `.signingFailed`.
    public func sign(_ rawMessage: String, at time: Date = Date()) throws(DKIMError) -> String {
        var message = rawMessage
        // Typed throws do not pass through withUTF8's rethrows, so the result comes out as a Result.
        let parts = message.withUTF8 { bytes in
            Result { () throws(DKIMError) in try self.signedParts(of: UnsafeRawBufferPointer(bytes)) }
        }
        let (names, signedFields, bodyHash) = try parts.get()
        var lines = ["DKIM-Signature:"]
        let timestamp = Int64(time.timeIntervalSince1970.rounded(.down))
        let tags = ["v=1;", "a=rsa-sha256;", "c=relaxed/relaxed;", "d=\(domain);", "s=\(selector);", "t=\(timestamp);"]
        for tag in tags {
            Self.append(tag, separator: " ", to: &lines)
        }
        // h= may be folded after any colon (RFC 6376 §3.5 allows FWS around them).
        for (index, name) in names.enumerated() {
            let piece = (index == 0 ? "h=" : "") + name + (index == names.count - 1 ? ";" : ":")
            Self.append(piece, separator: index == 0 ? " " : "", to: &lines)
        }
        Self.append("bh=\(Data(bodyHash).base64EncodedString());", separator: " ", to: &lines)
        Self.append("b=", separator: " ", to: &lines)

        // The signature covers the signed fields and this field with an empty b=, without its final CRLF.
        var input = signedFields
        Array(lines.joined(separator: "\r\n").utf8).withUnsafeBytes {
            RelaxedCanonicalization.appendHeader($0, to: &input)
        }
        input.removeLast(2)
        let signature: Data
        do {
            signature = try privateKey.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5)
                .rawRepresentation
        } catch {
            throw .signingFailed
        }
        Self.appendFolded(signature.base64EncodedString(), to: &lines)
        return lines.joined(separator: "\r\n") + "\r\n" + rawMessage
    }

    /// Whether `text` is non-empty and only has ASCII letters, digits and the characters in `extra`.
    /// - Parameters:
    ///   - text: A domain or selector.
    ///   - extra: The punctuation allowed besides letters and digits.
    private static func isName(_ text: String, allowing extra: String) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || extra.unicodeScalars.contains($0))
            }
    }
}
