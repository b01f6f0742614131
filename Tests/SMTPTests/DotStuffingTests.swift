import Foundation
import NIOCore
import Testing

@testable import SMTP

@Suite struct DotStuffingTests {
    /// The DATA payload for `message` as text: the converted content and the terminator.
    static func payload(for message: String) -> String {
        String(buffer: DataPayload(message, allocator: ByteBufferAllocator()).content) + ".\r\n"
    }

    @Test func doublesALeadingDotOnEveryLine() {
        // Given
        let message = "Subject: x\r\n\r\n.hidden\r\nvisible.\r\n..two\r\n"

        // When
        let payload = Self.payload(for: message)

        // Then
        #expect(payload == "Subject: x\r\n\r\n..hidden\r\nvisible.\r\n...two\r\n.\r\n")
    }

    @Test func aLoneDotLineCannotEndTheDataEarly() {
        // Given
        let message = "a\r\n.\r\nb\r\n"

        // When
        let payload = Self.payload(for: message)

        // Then
        #expect(payload == "a\r\n..\r\nb\r\n.\r\n")
        #expect(payload.components(separatedBy: "\r\n.\r\n").count == 2)
    }

    @Test func normalizesBareLineFeedsAndCarriageReturns() {
        // Given
        let message = "a\nb\rc\r\n.d"

        // When
        let payload = Self.payload(for: message)

        // Then
        #expect(payload == "a\r\nb\r\nc\r\n..d\r\n.\r\n")
    }

    @Test func anEmptyMessageIsJustTheTerminator() {
        // Given / When
        let payload = Self.payload(for: "")

        // Then
        #expect(payload == ".\r\n")
    }

    @Test func notesEightBitBytes() {
        // Given
        let messages = ["Subject: x\r\n\r\nplain\r\n", "Subject: x\r\n\r\nGrüße\r\n"]

        // When
        let flags = messages.map { DataPayload($0, allocator: ByteBufferAllocator()).hasEightBitBytes }

        // Then
        #expect(flags == [false, true])
    }

    @Test func aBufferInWireFormIsUsedWithoutACopy() {
        // Given
        var buffer = ByteBuffer(string: "skipped|Subject: x\r\n\r\nready\r\n")
        buffer.moveReaderIndex(forwardBy: 8)

        // When
        let payload = DataPayload(buffer, allocator: ByteBufferAllocator())

        // Then
        #expect(String(buffer: payload.content) == "Subject: x\r\n\r\nready\r\n")
        let original = buffer.withUnsafeReadableBytes { $0.baseAddress }
        #expect(payload.content.withUnsafeReadableBytes { $0.baseAddress } == original)
    }

    @Test(arguments: [
        ("a\nb\r\n", "a\r\nb\r\n"), ("a\r\n.b\r\n", "a\r\n..b\r\n"), ("a\r\nb", "a\r\nb\r\n"),
        ("a\rb\r\n", "a\r\nb\r\n"),
    ])
    func aBufferNotInWireFormIsConverted(message: String, expected: String) {
        // Given
        let buffer = ByteBuffer(string: message)

        // When
        let payload = DataPayload(buffer, allocator: ByteBufferAllocator())

        // Then
        #expect(String(buffer: payload.content) == expected)
    }
}
