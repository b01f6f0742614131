import Testing

@testable import SMTP

/// The relaxed canonicalization of RFC 6376 §3.4.2 and §3.4.4.
@Suite struct RelaxedCanonicalizationTests {
    /// The canonical form of one header field given as text.
    static func header(_ field: String) -> String {
        var output: [UInt8] = []
        Array(field.utf8).withUnsafeBytes { RelaxedCanonicalization.appendHeader($0, to: &output) }
        return String(decoding: output, as: UTF8.self)
    }

    /// The canonical form of a body given as text.
    static func body(_ body: String) -> String {
        var output: [UInt8] = []
        Array(body.utf8).withUnsafeBytes { RelaxedCanonicalization.appendBody($0, to: &output) }
        return String(decoding: output, as: UTF8.self)
    }

    @Test func headerExampleOfRFC6376() {
        // Given: the header of the example in RFC 6376 §3.4.5.
        let fields = ["A: X", "B : Y\t\r\n\tZ  "]

        // When
        let canonical = fields.map(Self.header)

        // Then
        #expect(canonical == ["a:X\r\n", "b:Y Z\r\n"])
    }

    @Test func bodyExampleOfRFC6376() {
        // Given: the body of the example in RFC 6376 §3.4.5.
        let body = " C \r\nD \t E\r\n\r\n\r\n"

        // When
        let canonical = Self.body(body)

        // Then
        #expect(canonical == " C\r\nD E\r\n")
    }

    @Test(arguments: [
        ("", ""), ("\r\n\r\n", ""), (" \t\r\n", ""), ("no line break", "no line break\r\n"),
        ("a\n\nb\n \n", "a\r\n\r\nb\r\n"), ("a\rb", "a\r\nb\r\n"), ("a  \r\n\r\n  b", "a\r\n\r\n b\r\n"),
    ])
    func bodyEdgeCases(body: String, expected: String) {
        // Given / When
        let canonical = Self.body(body)

        // Then
        #expect(canonical == expected)
    }

    @Test func headerNamesAreLowercasedAndValuesKeepTheirCase() {
        // Given
        let field = "Content-TYPE:\ttext/Plain;\r\n charset=UTF-8 "

        // When
        let canonical = Self.header(field)

        // Then
        #expect(canonical == "content-type:text/Plain; charset=UTF-8\r\n")
    }

    @Test func splitsTheHeaderIntoUnfoldedFields() throws {
        // Given
        let message = Array(
            "From: a@example.com\nSubject: one\n two\r\nNo colon here\r\nTo: b@example.org\r\n\r\nbody".utf8)

        // When
        let (fields, bodyStart) = try message.withUnsafeBytes { bytes in
            let result = try DKIMSigner.headerFields(of: bytes)
            return (result.fields.map { String(decoding: bytes[$0], as: UTF8.self) }, result.bodyStart)
        }

        // Then
        #expect(fields == ["From: a@example.com", "Subject: one\n two", "To: b@example.org"])
        #expect(String(decoding: message[bodyStart...], as: UTF8.self) == "body")
    }
}
