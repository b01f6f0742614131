import Foundation
import Testing
import Vault

@Suite struct MasterKeyTests {
    /// A fixed master key: bytes 0, 1, …, 31.
    private let fixedKey = try! MasterKey(bytes: Array(0..<32))

    // MARK: Creating

    @Test func base64RoundTripsThroughInit() throws {
        // Given
        let bytes = [UInt8](0..<32)
        let expectedText = Data(bytes).base64EncodedString()

        // When
        let key = try MasterKey(bytes: bytes)
        let reread = try MasterKey(base64: "  \(key.base64)\n")

        // Then
        #expect(key.base64 == expectedText)
        #expect(reread.base64 == expectedText)
    }

    @Test(arguments: [0, 16, 31, 33, 64])
    func initRejectsBytesThatAreNot32Long(count: Int) {
        // Given
        let bytes = [UInt8](repeating: 7, count: count)

        // When / Then
        #expect(throws: VaultError.invalidKeyLength(count)) {
            try MasterKey(bytes: bytes)
        }
    }

    @Test(arguments: [31, 33])
    func initFromBase64RejectsKeysThatAreNot32Bytes(count: Int) {
        // Given
        let text = Data(repeating: 7, count: count).base64EncodedString()

        // When / Then
        #expect(throws: VaultError.invalidKeyLength(count)) {
            try MasterKey(base64: text)
        }
    }

    @Test(arguments: ["not base64!", "AAAA*AAA", "ÄÖÜ", "AAA"])
    func initRejectsTextThatIsNotBase64(text: String) {
        // When / Then
        #expect(throws: VaultError.invalidBase64) {
            try MasterKey(base64: text)
        }
    }

    @Test func generateGivesADifferentKeyEachTime() {
        // When
        let keys = Set((0..<20).map { _ in MasterKey.generate().base64 })

        // Then
        #expect(keys.count == 20)
        #expect(keys.allSatisfy { $0.utf8.count == 44 })
    }

    @Test func descriptionAndDumpRevealNoKeyMaterial() {
        // Given
        let bytes = [UInt8](0..<32)
        let secrets = [Data(bytes).base64EncodedString(), bytes.hex, bytes.map(String.init).joined(separator: ", ")]

        // When
        var dumped = ""
        dump(fixedKey, to: &dumped)
        let texts = [String(describing: fixedKey), String(reflecting: fixedKey), "\(fixedKey)", dumped]

        // Then
        #expect(String(describing: fixedKey) == "MasterKey(redacted)")
        for text in texts {
            for secret in secrets {
                #expect(!text.contains(secret))
            }
        }
    }

    // MARK: Wrapping data keys

    @Test func wrapThenUnwrapGivesAKeyThatOpensTheSameData() throws {
        // Given
        let master = MasterKey.generate()
        let dataKey = DataKey.generate()
        let sealed = dataKey.seal("Ada Lovelace", context: "members.name_enc")

        // When
        let wrapped = master.wrap(dataKey, subject: "subject-1")
        let unwrapped = try master.unwrap(wrapped, subject: "subject-1")

        // Then
        #expect(wrapped.count == 60)
        #expect(try unwrapped.open(sealed, context: "members.name_enc") == "Ada Lovelace")
    }

    @Test func unwrapWithAnotherSubjectFails() {
        // Given
        let master = MasterKey.generate()
        let wrapped = master.wrap(DataKey.generate(), subject: "subject-1")

        // When / Then
        #expect(throws: VaultError.decryptionFailed) {
            try master.unwrap(wrapped, subject: "subject-2")
        }
    }

    @Test func unwrapWithAnotherMasterKeyFails() {
        // Given
        let wrapped = MasterKey.generate().wrap(DataKey.generate(), subject: "subject-1")

        // When / Then
        #expect(throws: VaultError.decryptionFailed) {
            try MasterKey.generate().unwrap(wrapped, subject: "subject-1")
        }
    }

    @Test func unwrapOfATamperedKeyFails() {
        // Given
        let master = MasterKey.generate()
        var wrapped = master.wrap(DataKey.generate(), subject: "subject-1")

        // When
        wrapped[20] ^= 0x80

        // Then
        #expect(throws: VaultError.decryptionFailed) {
            try master.unwrap(wrapped, subject: "subject-1")
        }
    }

    @Test func aKeyWrappedByAnEarlierVersionStillUnwraps() throws {
        // Given a wrapped key and a ciphertext stored by this version (checked independently against HKDF-SHA-256
        // and AES-256-GCM); stored data must stay readable after any change to Vault.
        let wrapped = [UInt8](
            hex: "71f994718e53ca0baf82390202d305ea074c780d167fa537702c2fc48404decc"
                + "5f86b0351294f3a11159e6b53aa40a677750c04e0848b98fba6d20a0"
        )
        let sealed = [UInt8](hex: "2ae1faf5ff822124cb238ff0fb140ee3334bb2fd8eb6501b6108379ec0e91f62")

        // When
        let dataKey = try fixedKey.unwrap(wrapped, subject: "subject-1")

        // Then
        #expect(try dataKey.open(sealed, context: "members.name_enc") == "Zoë")
    }

    // MARK: Blind indexes

    @Test func blindIndexIsDeterministicLowercaseHex() {
        // When
        let first = fixedKey.blindIndex("ada@example.org", domain: "email")
        let second = fixedKey.blindIndex("ada@example.org", domain: "email")

        // Then
        #expect(first == second)
        #expect(first.isLowercaseHex(count: 64))
    }

    @Test func blindIndexMatchesTheStoredFormat() {
        // Given: HMAC-SHA-256 under HKDF-SHA-256(master, salt "steward.vault.blind-index.v1", info "email"),
        // computed independently; indexes already stored must keep matching.
        let expected = "7d21c57ea73db685b7a1c532ee2949af684b91f685cf6cffe058c1c78454feee"

        // When
        let index = fixedKey.blindIndex("ada@example.org", domain: "email")

        // Then
        #expect(index == expected)
    }

    @Test func blindIndexDiffersPerDomainPerValueAndPerMasterKey() {
        // When
        let indexes = [
            fixedKey.blindIndex("ada@example.org", domain: "email"),
            fixedKey.blindIndex("ada@example.org", domain: "phone"),
            fixedKey.blindIndex("ada@example.com", domain: "email"),
            MasterKey.generate().blindIndex("ada@example.org", domain: "email"),
        ]

        // Then
        #expect(Set(indexes).count == indexes.count)
    }

    // MARK: Derived keys

    @Test func derivedKeyIsTheSameForTheSamePurpose() throws {
        // Given
        let sealed = fixedKey.derivedKey(purpose: "outbox").seal("hello", context: "outbox.body")

        // When
        let opened = try fixedKey.derivedKey(purpose: "outbox").open(sealed, context: "outbox.body")

        // Then
        #expect(opened == "hello")
    }

    @Test func derivedKeyMatchesTheStoredFormat() throws {
        // Given a ciphertext sealed by this version under derivedKey(purpose: "outbox") of the fixed key
        let sealed = [UInt8](hex: "b7b1f3c21352425cef497d0a99aee57d3b3408ccf7764211ac67ea74634e4587a7")

        // When
        let opened = try fixedKey.derivedKey(purpose: "outbox").open(sealed, context: "outbox.body")

        // Then
        #expect(opened == "hello")
    }

    @Test func derivedKeysDifferPerPurposeAndPerMasterKey() {
        // Given
        let sealed = fixedKey.derivedKey(purpose: "outbox").seal("hello", context: "outbox.body")

        // When / Then
        #expect(throws: VaultError.decryptionFailed) {
            try fixedKey.derivedKey(purpose: "staff-totp").open(sealed, context: "outbox.body")
        }
        #expect(throws: VaultError.decryptionFailed) {
            try MasterKey.generate().derivedKey(purpose: "outbox").open(sealed, context: "outbox.body")
        }
    }
}
