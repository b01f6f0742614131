import Foundation
import Testing
import Vault

@Suite struct TokenTests {
    @Test(arguments: [(32, 43), (16, 22), (1, 2), (2, 3), (3, 4), (48, 64)])
    func generateGivesUnpaddedBase64URLOfTheRequestedByteCount(byteCount: Int, expectedLength: Int) throws {
        // When
        let token = Token.generate(byteCount: byteCount)

        // Then
        #expect(token.utf8.count == expectedLength)
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        #expect(token.utf8.allSatisfy(alphabet.contains))
        let padded =
            token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            + String(repeating: "=", count: (4 - token.utf8.count % 4) % 4)
        let decoded = try #require(Data(base64Encoded: padded))
        #expect(decoded.count == byteCount)
    }

    @Test func generateDefaultsTo32Bytes() {
        // When
        let token = Token.generate()

        // Then
        #expect(token.utf8.count == 43)
    }

    @Test func generatedTokensAreUnique() {
        // When
        let tokens = Set((0..<1000).map { _ in Token.generate() })

        // Then
        #expect(tokens.count == 1000)
    }

    @Test func generatedTokensUseTheWholeAlphabet() {
        // Given 300 tokens of 43 characters: every one of the 64 characters appears with near certainty
        let tokens = (0..<300).map { _ in Token.generate() }

        // When
        let characters = Set(tokens.joined().utf8)

        // Then
        #expect(characters.count == 64)
    }

    @Test func hashIsLowercaseHexSHA256OfTheUTF8() {
        // When
        let hash = Token.hash("abc")

        // Then
        #expect(hash == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Token.hash("").isLowercaseHex(count: 64))
    }

    @Test func hashIsDeterministicAndDiffersPerToken() {
        // Given
        let token = Token.generate()

        // When
        let first = Token.hash(token)
        let second = Token.hash(token)
        let other = Token.hash(Token.generate())

        // Then
        #expect(first == second)
        #expect(first != other)
        #expect(first != token)
        #expect(first.isLowercaseHex(count: 64))
    }

    @Test(arguments: [
        ("abc", "abc", true),
        ("", "", true),
        ("abc", "abd", false),
        ("abc", "xbc", false),
        ("abc", "abcd", false),
        ("abcd", "abc", false),
        ("", "a", false),
        ("abc", "ABC", false),
        // The same text in NFC and NFD: equal as Swift strings, different bytes.
        ("\u{E9}", "e\u{301}", false),
    ])
    func constantTimeEqualsComparesBytes(a: String, b: String, expected: Bool) {
        // When
        let result = Token.constantTimeEquals(a, b)

        // Then
        #expect(result == expected)
    }

    @Test func constantTimeEqualsAcceptsAHashAgainstItself() {
        // Given
        let stored = Token.hash(Token.generate())

        // When / Then
        #expect(Token.constantTimeEquals(stored, String(stored)))
        #expect(!Token.constantTimeEquals(stored, Token.hash(Token.generate())))
    }
}

@Suite struct Base64URLTests {
    @Test func matchesFoundationsBase64WithTheURLAlphabetAndNoPadding() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Token.base64URL(bytes) == expected, "length \(length)")
        }
    }
}
