import Foundation
import Testing

@testable import SMTP

@Suite struct MailMessageRenderingTests {
    /// A message with every field set, non-ASCII where it matters.
    static func sampleMessage() throws -> MailMessage {
        MailMessage(
            from: try MailAddress("steward@example.com", name: "Stéward Bot"),
            to: [try MailAddress("alice@example.org", name: "Doe, Alice"), try MailAddress("bob@example.net")],
            subject: "Grüße aus Zürich – your weekly digest",
            textBody: "Hello Alice,\n\nprice = 5 €\n.leading dot\ntrailing space \nend",
            htmlBody: "<p>Hello <b>Alice</b>, price = 5 €</p>\n",
            date: Date(timeIntervalSince1970: 1_700_000_000),
            messageID: "0f1e2d3c@example.com",
            replyTo: try MailAddress("support@example.com"),
            extraHeaders: [("List-Unsubscribe", "<https://example.com/unsubscribe?t=abc>")]
        )
    }

    @Test func writesTheHeadersInOrder() throws {
        // Given
        let message = try Self.sampleMessage()

        // When
        let entity = MIMEDecoding.entity(try message.render())

        // Then
        #expect(
            entity.headers.map(\.name) == [
                "Date", "From", "To", "Reply-To", "Subject", "Message-ID", "MIME-Version", "List-Unsubscribe",
                "Content-Type",
            ])
        #expect(entity.header("Date") == "Tue, 14 Nov 2023 22:13:20 +0000")
        #expect(entity.header("To") == "\"Doe, Alice\" <alice@example.org>, bob@example.net")
        #expect(entity.header("Reply-To") == "support@example.com")
        #expect(entity.header("Message-ID") == "<0f1e2d3c@example.com>")
        #expect(entity.header("MIME-Version") == "1.0")
        #expect(entity.header("List-Unsubscribe") == "<https://example.com/unsubscribe?t=abc>")
    }

    @Test func usesCRLFEverywhere() throws {
        // Given
        let message = try Self.sampleMessage()

        // When
        let rendered = Array(try message.render().utf8)

        // Then
        for (index, byte) in rendered.enumerated() {
            if byte == 0x0A {
                #expect(index > 0 && rendered[index - 1] == 0x0D, "bare LF at \(index)")
            }
            if byte == 0x0D {
                #expect(index + 1 < rendered.count && rendered[index + 1] == 0x0A, "bare CR at \(index)")
            }
        }
        #expect(rendered.suffix(2) == [0x0D, 0x0A])
    }

    @Test func isSevenBitASCIIWithShortLines() throws {
        // Given
        var message = try Self.sampleMessage()
        message.subject = String(repeating: "Ünïcödé subject words ", count: 8)
        message.textBody = String(repeating: "A long line of text that must be wrapped with soft breaks. ", count: 10)

        // When
        let rendered = try message.render()
        let separator = try #require(rendered.range(of: "\r\n\r\n"))

        // Then
        #expect(rendered.utf8.allSatisfy { $0 < 0x80 })
        for line in rendered[..<separator.lowerBound].components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 78, "header line too long: \(line.utf8.count)")
        }
        for line in rendered[separator.upperBound...].components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76, "body line too long: \(line.utf8.count)")
        }
    }

    @Test func encodesANonASCIISubjectAsEncodedWords() throws {
        // Given
        let message = try Self.sampleMessage()

        // When
        let subject = try #require(MIMEDecoding.entity(try message.render()).header("Subject"))

        // Then
        #expect(subject.hasPrefix("=?UTF-8?B?"))
        #expect(MIMEDecoding.headerText(subject) == "Grüße aus Zürich – your weekly digest")
    }

    @Test func encodesANonASCIIDisplayName() throws {
        // Given
        let message = try Self.sampleMessage()

        // When
        let from = try #require(MIMEDecoding.entity(try message.render()).header("From"))

        // Then
        #expect(from.hasPrefix("=?UTF-8?B?"))
        #expect(from.hasSuffix(" <steward@example.com>"))
        #expect(MIMEDecoding.headerText(from) == "Stéward Bot <steward@example.com>")
    }

    @Test func quotesADisplayNameWithSpecials() throws {
        // Given
        let message = MailMessage(
            from: try MailAddress("a@example.com", name: "Eve \"The\" O\\Brien"),
            to: [try MailAddress("b@example.com", name: "Plain Name")], subject: "Hi", textBody: "x")

        // When
        let entity = MIMEDecoding.entity(try message.render())

        // Then
        #expect(entity.header("From") == "\"Eve \\\"The\\\" O\\\\Brien\" <a@example.com>")
        #expect(entity.header("To") == "Plain Name <b@example.com>")
    }

    @Test func foldsALongASCIISubjectAndUnfoldsBack() throws {
        // Given
        var message = try Self.sampleMessage()
        message.subject = Array(repeating: "word", count: 40).joined(separator: " ")

        // When
        let rendered = try message.render()

        // Then
        #expect(rendered.contains("Subject: word word"))
        #expect(rendered.contains("word\r\n word"))
        #expect(MIMEDecoding.entity(rendered).header("Subject") == message.subject)
    }

    @Test func writesWellFormedMultipartAlternative() throws {
        // Given
        let message = try Self.sampleMessage()

        // When
        let entity = MIMEDecoding.entity(try message.render())
        let contentType = try #require(entity.header("Content-Type"))
        let boundary = try #require(contentType.components(separatedBy: "boundary=\"").last?.dropLast())
        let parts = try #require(MIMEDecoding.parts(of: entity.body, boundary: String(boundary)))

        // Then
        #expect(contentType.hasPrefix("multipart/alternative;"))
        #expect(parts.count == 2)
        #expect(parts.map { $0.header("Content-Type") } == ["text/plain; charset=utf-8", "text/html; charset=utf-8"])
        #expect(parts.allSatisfy { $0.header("Content-Transfer-Encoding") == "quoted-printable" })
    }

    @Test func quotedPrintableBodiesDecodeBackToTheOriginals() throws {
        // Given
        let message = try Self.sampleMessage()

        // When
        let entity = MIMEDecoding.entity(try message.render())
        let contentType = try #require(entity.header("Content-Type"))
        let boundary = try #require(contentType.components(separatedBy: "boundary=\"").last?.dropLast())
        let parts = try #require(MIMEDecoding.parts(of: entity.body, boundary: String(boundary)))

        // Then
        #expect(
            MIMEDecoding.quotedPrintable(parts[0].body) == message.textBody.replacingOccurrences(of: "\n", with: "\r\n")
        )
        #expect(
            MIMEDecoding.quotedPrintable(parts[1].body)
                == message.htmlBody?.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(parts[0].body.contains("price =3D 5 =E2=82=AC"))
        #expect(parts[0].body.contains("trailing space=20\r\n"))
    }

    @Test func softBreaksLongBodyLinesAndDecodesBack() throws {
        // Given
        let text = String(repeating: "é=x ", count: 60) + "\n" + String(repeating: "y", count: 200)
        let message = MailMessage(
            from: try MailAddress("a@example.com"), to: [try MailAddress("b@example.com")], subject: "QP",
            textBody: text)

        // When
        let body = MIMEDecoding.entity(try message.render()).body

        // Then
        #expect(body.contains("=\r\n"))
        #expect(body.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 76 })
        #expect(MIMEDecoding.quotedPrintable(body) == text.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n")
    }

    @Test func writesASingleTextPartWithoutHTML() throws {
        // Given
        var message = try Self.sampleMessage()
        message.htmlBody = nil

        // When
        let entity = MIMEDecoding.entity(try message.render())

        // Then
        #expect(entity.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(entity.header("Content-Transfer-Encoding") == "quoted-printable")
        #expect(
            MIMEDecoding.quotedPrintable(entity.body) == message.textBody.replacingOccurrences(of: "\n", with: "\r\n")
                + "\r\n")
    }

    @Test func renderingIsRepeatable() throws {
        // Given
        let message = try Self.sampleMessage()

        // When
        let first = try message.render()
        let second = try message.render()

        // Then
        #expect(first == second)
    }

    @Test func defaultMessageIDUsesTheSenderDomain() throws {
        // Given / When
        let message = MailMessage(
            from: try MailAddress("a@example.com"), to: [try MailAddress("b@example.com")], subject: "x", textBody: "y")

        // Then
        #expect(message.messageID.hasSuffix("@example.com"))
        #expect(message.messageID.count > "@example.com".count + 30)
    }

    @Test(arguments: ["Hello\r\nBcc: eve@evil.test", "Hello\nthere", "Hello\rthere", "Hel\0lo"])
    func refusesInjectionInTheSubject(subject: String) throws {
        // Given
        var message = try Self.sampleMessage()
        message.subject = subject

        // When / Then
        #expect(throws: MailError.headerInjection(field: "Subject")) {
            try message.render()
        }
    }

    @Test func refusesInjectionInAnExtraHeaderValue() throws {
        // Given
        var message = try Self.sampleMessage()
        message.extraHeaders = [("X-Campaign", "spring\r\nBcc: eve@evil.test")]

        // When / Then
        #expect(throws: MailError.headerInjection(field: "X-Campaign")) {
            try message.render()
        }
    }

    @Test func refusesInjectionInAnExtraHeaderName() throws {
        // Given
        var message = try Self.sampleMessage()
        message.extraHeaders = [("X-Evil\r\nBcc", "eve@evil.test")]

        // When / Then
        #expect(throws: MailError.headerInjection(field: "extra header name")) {
            try message.render()
        }
    }

    @Test(arguments: ["Bcc", "content-type", "From", "X Bad", "X:Bad", ""])
    func refusesReservedOrMalformedExtraHeaderNames(name: String) throws {
        // Given
        var message = try Self.sampleMessage()
        message.extraHeaders = [(name, "value")]

        // When
        let result = Result { () throws(MailError) in try message.render() }

        // Then
        guard case .failure(.invalidHeader) = result else {
            Issue.record("expected invalidHeader for \(name.debugDescription), got \(result)")
            return
        }
    }

    @Test(arguments: ["id\r\nBcc: x", "two words@example.com", "<id@example.com>", ""])
    func refusesAMalformedMessageID(messageID: String) throws {
        // Given
        var message = try Self.sampleMessage()
        message.messageID = messageID

        // When
        let result = Result { () throws(MailError) in try message.render() }

        // Then
        switch result {
        case .failure(.headerInjection(field: "Message-ID")), .failure(.invalidHeader(field: "Message-ID")):
            break
        default:
            Issue.record("expected the Message-ID to be refused, got \(result)")
        }
    }

    @Test func refusesAMessageWithoutRecipients() throws {
        // Given
        var message = try Self.sampleMessage()
        message.to = []

        // When
        let result = Result { () throws(MailError) in try message.render() }

        // Then
        guard case .failure(.invalidAddress) = result else {
            Issue.record("expected invalidAddress, got \(result)")
            return
        }
    }

    @Test func encodesAnExtraHeaderWithNonASCII() throws {
        // Given
        var message = try Self.sampleMessage()
        message.extraHeaders = [("X-Campaign", "Frühling")]

        // When
        let value = try #require(MIMEDecoding.entity(try message.render()).header("X-Campaign"))

        // Then
        #expect(value.hasPrefix("=?UTF-8?B?"))
        #expect(MIMEDecoding.headerText(value) == "Frühling")
    }

    @Test func datesMatchAGregorianFormatterAcrossCenturies() {
        // Given: a formatter with the RFC 5322 pattern, and dates from 1901 to 2199 with random times of day
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        var generator = SystemRandomNumberGenerator()
        var instants: [TimeInterval] = [0, -1, 86_399, 86_400, 951_782_400, 951_868_800, 4_107_542_399]
        for _ in 0..<2000 {
            instants.append(TimeInterval(Int64.random(in: -2_177_452_800...7_258_118_399, using: &generator)))
        }

        for instant in instants {
            // When
            let date = Date(timeIntervalSince1970: instant)

            // Then
            #expect(MailMessage.rfc5322Date(date) == formatter.string(from: date), "at \(instant)")
        }
    }

    @Test func keepsAShortPrintableHeaderOnOneLineAndFoldsALongOne() throws {
        // Given
        var message = try Self.sampleMessage()
        let long = String(repeating: "word ", count: 30) + "end"
        message.extraHeaders = [("X-Short", "a=b; c d"), ("X-Long", long), ("X-Marker", "a=?b")]

        // When
        let rendered = try message.render()

        // Then
        #expect(rendered.contains("\r\nX-Short: a=b; c d\r\n"))
        let entity = MIMEDecoding.entity(rendered)
        #expect(entity.header("X-Long") == long)
        #expect(rendered.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 || !$0.contains("word") })
        #expect(entity.header("X-Marker")?.hasPrefix("=?UTF-8?B?") == true)
    }

    @Test func randomBodiesKeepShortLinesAndDecodeBack() throws {
        // Given: lines of random lengths around the 76-character limit, mixing plain text, spaces, "=" and UTF-8
        let alphabet: [String] = ["a", "b", "Z", "0", " ", "\t", "=", ".", "é", "€", "<", ">"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var lines: [String] = []
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let length = [0, 1, 74, 75, 76, 77, 78, 150].randomElement(using: &generator)!
                let plain = Bool.random(using: &generator)
                lines.append(
                    String(
                        (0..<length).map { _ in
                            plain ? "x" : alphabet.randomElement(using: &generator)!
                        }.joined().prefix(length)))
            }
            let text = lines.joined(separator: "\n")

            // When
            let encoded = QuotedPrintable.encode(text)

            // Then
            #expect(
                encoded.components(separatedBy: "\r\n").allSatisfy { line in
                    line.utf8.count <= 76 && line.utf8.allSatisfy { $0 < 0x80 }
                        && !(line.hasSuffix(" ") || line.hasSuffix("\t"))
                })
            #expect(MIMEDecoding.quotedPrintable(encoded) == text.replacingOccurrences(of: "\n", with: "\r\n"))
        }
    }
}
