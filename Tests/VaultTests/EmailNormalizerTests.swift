import Testing
import Vault

@Suite struct EmailNormalizerTests {
    @Test(arguments: [
        ("  Ada.Lovelace@Example.COM \n", "ada.lovelace@example.com"),
        ("\tBOB+news@EXAMPLE.org\r\n", "bob+news@example.org"),
        ("already@lower.case", "already@lower.case"),
        ("ÉLODIE@EXAMPLE.FR", "\u{E9}lodie@example.fr"),
        // Decomposed input (e + combining acute) becomes the single precomposed character.
        ("Zoe\u{301}@Example.org", "zo\u{E9}@example.org"),
        ("E\u{301}MILE@example.org", "\u{E9}mile@example.org"),
    ])
    func normalizeTrimsAppliesNFCAndLowercases(input: String, expected: String) {
        // When
        let normalized = EmailNormalizer.normalize(input)

        // Then: compare bytes, since Swift string equality ignores the difference between NFC and NFD.
        #expect(Array(normalized.utf8) == Array(expected.utf8))
    }

    @Test func normalizeIsIdempotent() {
        // Given
        let inputs = [
            " Ada@Example.com ", "Zoe\u{301}@Example.org", "\u{130}STANBUL@example.org", "STRASSE@example.de",
        ]

        for input in inputs {
            // When
            let once = EmailNormalizer.normalize(input)
            let twice = EmailNormalizer.normalize(once)

            // Then
            #expect(Array(twice.utf8) == Array(once.utf8))
        }
    }

    @Test func spellingsOfTheSameAddressGiveTheSameBlindIndex() throws {
        // Given
        let master = MasterKey.generate()
        let spellings = ["zo\u{E9}@example.org", " ZOE\u{301}@EXAMPLE.ORG", "Zo\u{C9}@Example.Org\n"]

        // When
        let indexes = Set(spellings.map { master.blindIndex(EmailNormalizer.normalize($0), domain: "email") })

        // Then
        #expect(indexes.count == 1)
    }
}
