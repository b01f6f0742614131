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
}
