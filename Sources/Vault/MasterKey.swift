import Crypto
import Foundation

/// The 256-bit master key from which every other key of the installation is wrapped or derived.
///
/// Per-person data keys are random and stored wrapped by this key; system keys, blind-index keys and HMAC secrets
/// are derived from it with HKDF-SHA-256. Each use has its own HKDF salt, so the same label used for two different
/// purposes (say `derivedKey(purpose: "x")` and `derivedSecret(purpose: "x")`) still gives unrelated keys.
///
/// - Important: The key is never printed: `description`, `debugDescription` and `dump` show no key bytes.
public struct MasterKey: Sendable, CustomStringConvertible {
    /// The raw key; 32 bytes.
    let key: SymmetricKey
    /// The key that wraps per-person data keys, derived once (HKDF on every wrap would cost more than the wrap).
    private let wrappingKey: DataKey
    /// HMAC already keyed for the `email` blind index, the one looked up most; copied for each value.
    private let emailIndex: HMAC<SHA256>

    /// Creates a master key from its raw bytes.
    ///
    /// - Parameter bytes: Exactly 32 bytes.
    /// - Throws: ``VaultError/invalidKeyLength(_:)`` when `bytes` is not 32 bytes long.
    public init(bytes: some Collection<UInt8>) throws(VaultError) {
        guard bytes.count == Self.byteCount else {
            throw VaultError.invalidKeyLength(bytes.count)
        }
        self.init(key: SymmetricKey(data: Array(bytes)))
    }

    /// Creates a master key from its standard base64 text, as produced by ``base64``.
    ///
    /// - Parameter base64: The key text; leading and trailing whitespace and newlines are ignored, so the content
    ///   of a key file can be passed as read.
    /// - Throws: ``VaultError/invalidBase64`` when the text is not base64, ``VaultError/invalidKeyLength(_:)``
    ///   when it decodes to something other than 32 bytes.
    public init(base64: String) throws(VaultError) {
        let text = base64.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: text) else {
            throw VaultError.invalidBase64
        }
        try self.init(bytes: bytes)
    }

    /// Wraps an existing symmetric key that is known to be 32 bytes long.
    private init(key: SymmetricKey) {
        self.key = key
        wrappingKey = DataKey(key: Self.subkey(of: key, use: "wrap", info: "data-key"))
        emailIndex = HMAC<SHA256>(key: Self.subkey(of: key, use: "blind-index", info: "email"))
    }

    /// Creates a new random master key from the system's secure random number generator.
    public static func generate() -> MasterKey {
        MasterKey(key: SymmetricKey(size: .bits256))
    }

    /// The key as standard base64 text with padding (44 characters).
    ///
    /// - Important: This is the secret itself; write it only to the key file, never to a log.
    public var base64: String {
        key.withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// A fixed text that reveals nothing about the key.
    public var description: String {
        "MasterKey(redacted)"
    }

    /// Encrypts a person's data key for storage next to that person's record.
    ///
    /// - Parameters:
    ///   - key: The data key to wrap.
    ///   - subject: The person's pseudonymous id; bound as authenticated data, so the wrapped key only unwraps for
    ///     the same subject.
    /// - Returns: AES-256-GCM output, nonce(12) || encrypted key(32) || tag(16): 60 bytes.
    public func wrap(_ key: DataKey, subject: String) -> [UInt8] {
        let keyBytes = key.key.withUnsafeBytes { Array($0) }
        return wrappingKey.seal(bytes: keyBytes, context: subject)
    }

    /// Decrypts a data key produced by ``wrap(_:subject:)``.
    ///
    /// - Parameters:
    ///   - wrapped: The stored wrapped key.
    ///   - subject: The same subject id that was given to ``wrap(_:subject:)``.
    /// - Returns: The person's data key.
    /// - Throws: ``VaultError/decryptionFailed`` for another master key, another subject, or altered bytes.
    public func unwrap(_ wrapped: some Collection<UInt8>, subject: String) throws(VaultError) -> DataKey {
        let keyBytes = try wrappingKey.openBytes(wrapped, context: subject)
        guard keyBytes.count == Self.byteCount else {
            // Authentic but not a key: only possible if something other than `wrap` sealed it with this key.
            throw VaultError.decryptionFailed
        }
        return DataKey(key: SymmetricKey(data: keyBytes))
    }

    /// A keyed index of `value` for exact-match lookup without storing the value in clear.
    ///
    /// The index is HMAC-SHA-256 of the value's UTF-8 bytes under a key derived for `domain`, so the same value
    /// gives unrelated indexes in different domains and under different master keys.
    ///
    /// - Parameters:
    ///   - value: The value to index, already normalised by the caller (for e-mail: ``EmailNormalizer``); the bytes
    ///     are used as given.
    ///   - domain: What kind of value it is, e.g. `"email"`.
    /// - Returns: 64 lowercase hexadecimal characters.
    public func blindIndex(_ value: String, domain: String) -> String {
        var hmac = domain == "email" ? emailIndex : HMAC<SHA256>(key: subkey(use: "blind-index", info: domain))
        hmac.update(data: Array(value.utf8))
        return hmac.finalize().lowercaseHex
    }

    /// A data key for system secrets that belong to no person, derived deterministically with HKDF.
    ///
    /// - Parameter purpose: What the key protects, e.g. `"staff-totp"` or `"outbox"`; used as the HKDF info.
    /// - Returns: The same key for the same master key and purpose, every time.
    public func derivedKey(purpose: String) -> DataKey {
        DataKey(key: subkey(use: "derived-key", info: purpose))
    }

    /// A 32-byte secret for HMAC uses such as CSRF tokens, derived deterministically with HKDF.
    ///
    /// - Parameter purpose: What the secret is for, e.g. `"csrf"`; used as the HKDF info.
    /// - Returns: The same secret for the same master key and purpose; unrelated to ``derivedKey(purpose:)`` for
    ///   the same purpose.
    public func derivedSecret(purpose: String) -> SymmetricKey {
        subkey(use: "derived-secret", info: purpose)
    }

    /// Derives a 32-byte subkey with HKDF-SHA-256.
    ///
    /// - Parameters:
    ///   - use: Which Vault feature the key serves; becomes the HKDF salt, separating the features from each other.
    ///   - info: The caller's label within that feature (domain, purpose); becomes the HKDF info.
    /// - Returns: The derived key.
    private func subkey(use: String, info: String) -> SymmetricKey {
        Self.subkey(of: key, use: use, info: info)
    }

    /// Derives a 32-byte subkey of `key` with HKDF-SHA-256 (see ``subkey(use:info:)``).
    private static func subkey(of key: SymmetricKey, use: String, info: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: key,
            salt: Data("steward.vault.\(use).v1".utf8),
            info: Data(info.utf8),
            outputByteCount: Self.byteCount
        )
    }

    /// The length of every Vault key in bytes.
    static let byteCount = 32
}

extension MasterKey: CustomDebugStringConvertible, CustomReflectable {
    /// The same redacted text as ``description``.
    public var debugDescription: String {
        description
    }

    /// A mirror without children, so `dump` and debuggers cannot show the key bytes.
    public var customMirror: Mirror {
        Mirror(self, children: [:])
    }
}
