import Foundation
import NIOCore
import Testing

@testable import SMTP

/// `MailMessage.render(text:html:)` and the quoted-printable pieces it is built from.
@Suite struct WireRenderingTests {
    /// Random text: lines around the 76-character limit mixing plain text, spaces, dots, "=" and UTF-8.
    static func randomText(using generator: inout SystemRandomNumberGenerator) -> String {
        let alphabet: [String] = ["a", "b", "Z", "0", " ", "\t", "=", ".", "é", "€", "<", ">", "\n", "\r\n"]
        let length = [0, 1, 2, 40, 74, 75, 76, 77, 150].randomElement(using: &generator)!
        return (0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined()
    }

    /// Checks the rules every encoded line keeps: at most 76 characters, ASCII, no trailing whitespace, no
    /// leading dot (so SMTP needs no dot-stuffing).
    static func linesAreValid(_ encoded: String) -> Bool {
        encoded.components(separatedBy: "\r\n").allSatisfy { line in
            line.utf8.count <= 76 && line.utf8.allSatisfy { $0 < 0x80 } && !line.hasSuffix(" ")
                && !line.hasSuffix("\t") && !line.hasPrefix(".")
        }
    }

    @Test func aLineStartingWithADotIsEscaped() {
        #expect(QuotedPrintable.encode(".\n..x\nok") == "=2E\r\n=2E.x\r\nok")
        #expect(!QuotedPrintable.encode(String(repeating: "a", count: 75) + "." + "b").contains("\r\n."))
    }

    @Test func piecesDecodeToTheirTextJoined() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            // Given: fixed pieces encoded once and text pieces, in random order.
            let pieces = (0..<Int.random(in: 1...6, using: &generator)).map { _ in
                (Self.randomText(using: &generator), Bool.random(using: &generator))
            }

            // When
            var writer = QuotedPrintableWriter(buffer: ByteBuffer())
            for (text, isFixed) in pieces {
                if isFixed { writer.append(QuotedPrintable.Chunk(text)) } else { writer.append(text) }
            }
            let encoded = String(buffer: writer.buffer)

            // Then
            let joined = pieces.map(\.0).joined()
            let expected = joined.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(
                of: "\n", with: "\r\n")
            #expect(Self.linesAreValid(encoded), "\(pieces)")
            #expect(MIMEDecoding.quotedPrintable(encoded) == expected, "\(pieces)")
        }
    }

    @Test func rendersTheSameMessageAsTheTextRendering() throws {
        // Given: a message whose parts are given as pieces, some encoded once.
        var message = try MailMessageRenderingTests.sampleMessage()
        let text = ["Hello Alice,\n\nprice = 5 €\n", ".leading dot\ntrailing space \n", "end"]
        let html = ["<p>Hello <b>", "Alice</b>, price = 5 €</p>\n"]
        message.textBody = text.joined()
        message.htmlBody = html.joined()

        // When
        let wire = try message.render(
            text: [.encoded(.init(text[0])), .text(text[1]), .encoded(.init(text[2]))],
            html: [.text(html[0]), .encoded(.init(html[1]))])
        let fromPieces = MIMEDecoding.entity(String(buffer: wire.bytes))
        let fromText = MIMEDecoding.entity(try message.render())

        // Then: the same headers, and parts that decode to the same text.
        #expect(fromPieces.headers.map(\.name) == fromText.headers.map(\.name))
        #expect(fromPieces.headers.map(\.value) == fromText.headers.map(\.value))
        let boundary =
            "=_steward_"
            + (fromText.header("Content-Type")!.components(separatedBy: "=_steward_").last!
                .dropLast())
        let wireParts = try #require(MIMEDecoding.parts(of: fromPieces.body, boundary: boundary))
        let textParts = try #require(MIMEDecoding.parts(of: fromText.body, boundary: boundary))
        #expect(wireParts.count == 2)
        for (wirePart, textPart) in zip(wireParts, textParts) {
            #expect(wirePart.header("Content-Type") == textPart.header("Content-Type"))
            #expect(MIMEDecoding.quotedPrintable(wirePart.body) == MIMEDecoding.quotedPrintable(textPart.body))
            #expect(Self.linesAreValid(wirePart.body))
        }
        #expect(!wire.payload.hasEightBitBytes)
        #expect(String(buffer: wire.bytes).hasSuffix("--\r\n"))
    }

    @Test func aTextOnlyMessageHasOnePart() throws {
        // Given
        var message = try MailMessageRenderingTests.sampleMessage()
        message.htmlBody = nil

        // When
        let wire = try message.render(text: [.encoded(.init("Hello ")), .text("Ålice")], html: nil)
        let entity = MIMEDecoding.entity(String(buffer: wire.bytes))

        // Then
        #expect(entity.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(MIMEDecoding.quotedPrintable(entity.body) == "Hello Ålice\r\n")
    }

    @Test func aNonASCIIAddressAsksFor8BitTransport() throws {
        // Given
        var message = try MailMessageRenderingTests.sampleMessage()
        message.to = [try MailAddress("jörg@example.org")]

        // When
        let wire = try message.render(text: [.text("hi")], html: nil)

        // Then
        #expect(wire.payload.hasEightBitBytes)
    }

    @Test func headerInjectionIsRefusedAsInTheTextRendering() throws {
        // Given
        var message = try MailMessageRenderingTests.sampleMessage()
        message.subject = "Hello\r\nBcc: eve@evil.test"

        // Then
        #expect(throws: MailError.headerInjection(field: "Subject")) {
            try message.render(text: [.text("hi")], html: nil)
        }
    }
}
