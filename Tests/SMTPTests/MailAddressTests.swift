import Testing

@testable import SMTP

@Suite struct MailAddressTests {
    @Test func acceptsAPlainAddressWithAName() throws {
        // Given / When
        let mailbox = try MailAddress("alice@example.com", name: "Alice Example")

        // Then
        #expect(mailbox.address == "alice@example.com")
        #expect(mailbox.name == "Alice Example")
    }

    @Test func treatsAnEmptyNameAsAbsent() throws {
        // Given / When
        let mailbox = try MailAddress("alice@example.com", name: "")

        // Then
        #expect(mailbox.name == nil)
    }

    @Test(arguments: ["alice@example.com\r\nBcc: eve@evil.test", "alice@example.com\n", "alice\0@example.com"])
    func refusesLineBreaksAndNULInTheAddress(address: String) {
        // Given / When / Then
        #expect(throws: MailError.headerInjection(field: "address")) {
            try MailAddress(address)
        }
    }

    @Test(arguments: ["Alice\r\nBcc: eve@evil.test", "Alice\n", "Alice\r", "Al\0ice"])
    func refusesLineBreaksAndNULInTheName(name: String) {
        // Given / When / Then
        #expect(throws: MailError.headerInjection(field: "display name")) {
            try MailAddress("alice@example.com", name: name)
        }
    }

    @Test(arguments: [
        "alice.example.com", "alice@@example.com", "al@ice@example.com", "@example.com", "alice@",
        "alice @example.com", "<alice@example.com>", "alice@example.com>", "alice,bob@example.com",
        "alice@.example.com", "alice@example..com", "alice\t@example.com", "",
    ])
    func refusesMalformedAddresses(address: String) {
        // Given / When
        let result = Result { () throws(MailError) in try MailAddress(address) }

        // Then
        guard case .failure(.invalidAddress(let reason)) = result else {
            Issue.record("expected invalidAddress, got \(result)")
            return
        }
        #expect(reason.hasPrefix("address "))
    }

    @Test func errorDescriptionsDoNotRepeatTheValue() {
        // Given
        let secretish = "very.private.person@@example.com"

        // When
        let result = Result { () throws(MailError) in try MailAddress(secretish) }

        // Then
        guard case .failure(let error) = result else {
            Issue.record("expected a failure")
            return
        }
        #expect(!error.description.contains("very.private.person"))
    }

    /// The rules of `MailAddress.validate` written out plainly, to check the one-pass version against.
    static func referenceProblem(_ address: String) -> String? {
        if address.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) { return "injection" }
        for scalar in address.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F { return "whitespace" }
            if "<>,;\"\\()".unicodeScalars.contains(scalar) { return "forbidden" }
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        if parts.count != 2 { return "one @" }
        if parts[0].isEmpty || parts[1].isEmpty { return "empty part" }
        if parts[1].hasPrefix(".") || parts[1].hasSuffix(".") || parts[1].contains("..") { return "empty label" }
        if parts[0].utf8.count > 64 || address.utf8.count > 254 { return "too long" }
        return nil
    }

    @Test func asciiAddressesFollowTheSameRulesAsTheReference() {
        // Given: random ASCII addresses built from the characters the rules care about.
        let alphabet: [String] = ["a", "b", "@", ".", " ", "\t", "<", ",", "\"", "(", "\u{7F}", "\u{1}", "x", "-"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let length = Int.random(in: 0...12, using: &generator)
            let address = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined()

            // When
            var problem: String?
            do { try MailAddress.validate(address, field: "address") } catch { problem = "\(error)" }

            // Then: refused exactly when the reference refuses, for the same reason.
            let expected = Self.referenceProblem(address)
            #expect((problem == nil) == (expected == nil), "\(address.debugDescription)")
            if let problem, let expected {
                let matches: [String: String] = [
                    "whitespace": "whitespace", "forbidden": "not allowed", "one @": "exactly one @",
                    "empty part": "local part and a domain", "empty label": "empty label", "too long": "too long",
                    "injection": "injection",
                ]
                #expect(
                    problem.contains(matches[expected]!) || expected == "injection",
                    "\(address.debugDescription): \(problem)")
            }
        }
        // Long parts.
        #expect(throws: MailError.self) {
            try MailAddress.validate(String(repeating: "a", count: 65) + "@b.c", field: "a")
        }
        #expect(throws: Never.self) { try MailAddress.validate(String(repeating: "a", count: 64) + "@b.c", field: "a") }
    }
}
