import Crypto
import Foundation

/// A random 256-bit key that encrypts one person's personal data (or, when derived, one system secret).
///
/// Deleting a person's wrapped data key makes all of that person's ciphertext unreadable (crypto-shredding).
///
/// - Important: The key is never printed: `description`, `debugDescription` and `dump` show no key bytes.
public struct DataKey: Sendable {
    /// The raw key; exactly 32 bytes (the memberwise initializer is only used with 32-byte keys).
    let key: SymmetricKey

    /// Creates a new random data key from the system's secure random number generator.
    public static func generate() -> DataKey {
        var bytes = SecureRandom.bytes(32)
        defer { bytes.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        return DataKey(key: SymmetricKey(data: bytes))
    }

    /// Encrypts text with AES-256-GCM under a fresh random nonce.
    ///
    /// - Parameters:
    ///   - plaintext: The text; its UTF-8 bytes are encrypted. May be empty.
    ///   - context: Where the ciphertext will be stored, e.g. `"members.name_enc"`; bound as authenticated data, so
    ///     the ciphertext fails to open when moved to another column.
    /// - Returns: nonce(12) || ciphertext || tag(16).
    public func seal(_ plaintext: String, context: String) -> [UInt8] {
        seal(bytes: Array(plaintext.utf8), context: context)
    }

    /// Encrypts bytes with AES-256-GCM under a fresh random nonce.
    ///
    /// - Parameters:
    ///   - bytes: The plaintext. May be empty.
    ///   - context: Where the ciphertext will be stored; bound as authenticated data.
    /// - Returns: nonce(12) || ciphertext || tag(16).
    public func seal(bytes: some Collection<UInt8>, context: String) -> [UInt8] {
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.seal(Data(bytes), using: key, nonce: Self.nonce(), authenticating: Data(context.utf8))
        } catch {
            // Sealing fails only for a key of invalid size, and every DataKey holds exactly 32 bytes.
            preconditionFailure("AES-GCM sealing failed with a 256-bit key: \(error)")
        }
        return Array(box.nonce) + Array(box.ciphertext) + Array(box.tag)
    }

    /// A fresh random 96-bit nonce.
    static func nonce() -> AES.GCM.Nonce {
        do {
            return try AES.GCM.Nonce(data: SecureRandom.bytes(12))
        } catch {
            // 12 bytes is the size AES-GCM nonces must have.
            preconditionFailure("a 12-byte AES-GCM nonce was refused: \(error)")
        }
    }

    /// Decrypts text sealed by ``seal(_:context:)``.
    ///
    /// - Parameters:
    ///   - sealed: nonce(12) || ciphertext || tag(16).
    ///   - context: The same context that was given when sealing.
    /// - Returns: The plaintext.
    /// - Throws: ``VaultError/decryptionFailed`` for a wrong key or context, tampered or truncated bytes;
    ///   ``VaultError/invalidUTF8`` when the opened bytes are not UTF-8 text.
    public func open(_ sealed: some Collection<UInt8>, context: String) throws(VaultError) -> String {
        let bytes = try openBytes(sealed, context: context)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw VaultError.invalidUTF8
        }
        return text
    }

    /// Decrypts bytes sealed by ``seal(bytes:context:)``.
    ///
    /// - Parameters:
    ///   - sealed: nonce(12) || ciphertext || tag(16).
    ///   - context: The same context that was given when sealing.
    /// - Returns: The plaintext bytes.
    /// - Throws: ``VaultError/decryptionFailed`` for a wrong key or context, tampered or truncated bytes.
    public func openBytes(_ sealed: some Collection<UInt8>, context: String) throws(VaultError) -> [UInt8] {
        do {
            let box = try AES.GCM.SealedBox(combined: Data(sealed))
            return Array(try AES.GCM.open(box, using: key, authenticating: Data(context.utf8)))
        } catch {
            // The cause (short input, bad tag) is deliberately not passed on: it would help an attacker only.
            throw VaultError.decryptionFailed
        }
    }
}

extension DataKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// A fixed text that reveals nothing about the key.
    public var description: String {
        "DataKey(redacted)"
    }

    /// The same redacted text as ``description``.
    public var debugDescription: String {
        description
    }

    /// A mirror without children, so `dump` and debuggers cannot show the key bytes.
    public var customMirror: Mirror {
        Mirror(self, children: [:])
    }
}
