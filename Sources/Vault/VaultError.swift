/// Why a Vault operation on keys or ciphertext failed.
///
/// - Important: No case carries key material or plaintext, so an error is always safe to log.
public enum VaultError: Error, Equatable, Sendable {
    /// Key bytes that are not exactly 32 bytes long; the associated value is the length that was given.
    case invalidKeyLength(Int)
    /// Key text that is not valid standard base64.
    case invalidBase64
    /// A ciphertext that does not open: wrong key, wrong context or subject, tampered or truncated bytes.
    case decryptionFailed
    /// Opened bytes that are not valid UTF-8 text.
    case invalidUTF8
}
