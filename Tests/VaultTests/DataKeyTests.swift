import Testing
import Vault

@Suite struct DataKeyTests {
    @Test(arguments: ["Ada Lovelace", "Zoë Ørsted – 東京 🎉", "", "line one\nline two\t\u{0}"])
    func sealThenOpenReturnsTheOriginalText(plaintext: String) throws {
        // Given
        let key = DataKey.generate()

        // When
        let sealed = key.seal(plaintext, context: "members.name_enc")
        let opened = try key.open(sealed, context: "members.name_enc")

        // Then
        #expect(Array(opened.utf8) == Array(plaintext.utf8))
    }

    @Test func sealedOutputIsNonceThenCiphertextThenTag() {
        // Given
        let key = DataKey.generate()
        let plaintext = "Zoë"

        // When
        let sealed = key.seal(plaintext, context: "members.name_enc")

        // Then
        #expect(sealed.count == 12 + plaintext.utf8.count + 16)
        #expect(key.seal("", context: "members.name_enc").count == 28)
    }

    @Test func sealingTheSameTextTwiceGivesDifferentCiphertexts() {
        // Given
        let key = DataKey.generate()

        // When
        let first = key.seal("Ada Lovelace", context: "members.name_enc")
        let second = key.seal("Ada Lovelace", context: "members.name_enc")

        // Then
        #expect(first != second)
        #expect(first.prefix(12) != second.prefix(12))
    }

    @Test func sealBytesThenOpenBytesReturnsTheOriginalBytes() throws {
        // Given
        let key = DataKey.generate()
        let bytes: [UInt8] = [0, 255, 128, 1, 0xC3]

        // When
        let opened = try key.openBytes(
            key.seal(bytes: bytes, context: "staff.totp_secret_enc"), context: "staff.totp_secret_enc")

        // Then
        #expect(opened == bytes)
    }

    @Test func openingWithAnotherContextFails() {
        // Given
        let key = DataKey.generate()
        let sealed = key.seal("Ada Lovelace", context: "members.name_enc")

        // When / Then
        #expect(throws: VaultError.decryptionFailed) {
            try key.open(sealed, context: "members.phone_enc")
        }
    }

    @Test func openingWithAnotherDataKeyFails() {
        // Given
        let sealed = DataKey.generate().seal("Ada Lovelace", context: "members.name_enc")
        let otherKey = DataKey.generate()

        // When / Then
        #expect(throws: VaultError.decryptionFailed) {
            try otherKey.open(sealed, context: "members.name_enc")
        }
    }

    @Test func openingFailsWhenAnyByteIsFlipped() {
        // Given
        let key = DataKey.generate()
        let sealed = key.seal("Ada", context: "members.name_enc")

        for index in sealed.indices {
            // When
            var tampered = sealed
            tampered[index] ^= 0x01

            // Then
            #expect(throws: VaultError.decryptionFailed, "byte \(index) flipped") {
                try key.open(tampered, context: "members.name_enc")
            }
        }
    }

    @Test(arguments: [1, 16, 27, 30])
    func openingTruncatedBytesFails(droppedFromEnd: Int) {
        // Given
        let key = DataKey.generate()
        let sealed = key.seal("Ada", context: "members.name_enc")

        // When
        let truncated = Array(sealed.dropLast(droppedFromEnd))

        // Then
        #expect(throws: VaultError.decryptionFailed) {
            try key.open(truncated, context: "members.name_enc")
        }
    }

    @Test func openingAnEmptyCiphertextFails() {
        // Given
        let key = DataKey.generate()

        // When / Then
        #expect(throws: VaultError.decryptionFailed) {
            try key.open([UInt8](), context: "members.name_enc")
        }
    }

    @Test func openingBytesThatAreNotUTF8AsTextFailsWithInvalidUTF8() {
        // Given
        let key = DataKey.generate()
        let sealed = key.seal(bytes: [0xFF, 0xFE, 0xC3], context: "members.name_enc")

        // When / Then
        #expect(throws: VaultError.invalidUTF8) {
            try key.open(sealed, context: "members.name_enc")
        }
    }

    @Test func descriptionAndDumpRevealNoKeyMaterial() {
        // Given
        let key = DataKey.generate()

        // When
        var dumped = ""
        dump(key, to: &dumped)

        // Then
        #expect(String(describing: key) == "DataKey(redacted)")
        #expect(String(reflecting: key) == "DataKey(redacted)")
        #expect(dumped == "- DataKey(redacted)\n")
    }
}
