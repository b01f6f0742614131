import Crypto
import Testing
import Vault

@Suite struct MasterKeyDerivedSecretTests {
    /// A fixed master key: bytes 0, 1, …, 31.
    private let fixedKey = try! MasterKey(bytes: Array(0..<32))

    @Test func derivedSecretIs32BytesAndTheSameForTheSamePurpose() {
        // When
        let first = fixedKey.derivedSecret(purpose: "csrf")
        let second = fixedKey.derivedSecret(purpose: "csrf")

        // Then
        #expect(first.bitCount == 256)
        #expect(first == second)
    }

    @Test func derivedSecretsDifferPerPurposeAndPerMasterKey() {
        // When
        let secrets = [
            fixedKey.derivedSecret(purpose: "csrf"),
            fixedKey.derivedSecret(purpose: "session"),
            MasterKey.generate().derivedSecret(purpose: "csrf"),
        ]

        // Then
        #expect(secrets[0] != secrets[1])
        #expect(secrets[0] != secrets[2])
        #expect(secrets[1] != secrets[2])
    }

    @Test func derivedSecretIsUnrelatedToTheDerivedKeyOfTheSamePurpose() {
        // Given a ciphertext sealed under derivedKey(purpose: "csrf")
        let sealed = fixedKey.derivedKey(purpose: "csrf").seal("hello", context: "test")
        let secret = fixedKey.derivedSecret(purpose: "csrf")

        // When
        let openedWithSecret = try? AES.GCM.open(
            AES.GCM.SealedBox(combined: sealed), using: secret, authenticating: Array("test".utf8))

        // Then
        #expect(openedWithSecret == nil)
    }
}
