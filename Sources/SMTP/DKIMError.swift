/// Why a DKIM signer could not be created or could not sign a message.
public enum DKIMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The private key is not a PEM RSA key in PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`) form, or is
    /// encrypted.
    case unreadableKey
    /// The RSA key has fewer than 1024 bits, which verifiers reject (RFC 8301).
    case keyTooSmall
    /// The signing domain (`d=`) is empty or has characters other than letters, digits, `-` and `.`.
    case invalidDomain
    /// The selector (`s=`) is empty or has characters other than letters, digits, `-`, `_` and `.`.
    case invalidSelector
    /// A name in `signedHeaders` is empty or has a character not allowed in a header field name.
    case invalidHeaderName(String)
    /// `signedHeaders` does not list From, which RFC 6376 requires to be signed.
    case fromNotSigned
    /// The message has no empty line between its header and its body.
    case missingHeaderSeparator
    /// The message has no From header field.
    case missingFromHeader
    /// The RSA signature could not be computed.
    case signingFailed

    public var description: String {
        switch self {
        case .unreadableKey:
            return "The DKIM private key is not an unencrypted PEM RSA key (PKCS#1 or PKCS#8)."
        case .keyTooSmall:
            return "The DKIM private key has fewer than 1024 bits."
        case .invalidDomain:
            return "The DKIM signing domain is empty or has characters other than letters, digits, - and ."
        case .invalidSelector:
            return "The DKIM selector is empty or has characters other than letters, digits, -, _ and ."
        case .invalidHeaderName(let name):
            return "\"\(name)\" is not a header field name that DKIM can sign."
        case .fromNotSigned:
            return "The DKIM signed headers must include From."
        case .missingHeaderSeparator:
            return "The message has no empty line between header and body."
        case .missingFromHeader:
            return "The message has no From header field."
        case .signingFailed:
            return "The DKIM signature could not be computed."
        }
    }
}
