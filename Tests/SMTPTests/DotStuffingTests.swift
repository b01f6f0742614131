import Foundation
import Testing

@testable import SMTP

@Suite struct DotStuffingTests {
    @Test func doublesALeadingDotOnEveryLine() {
        // Given
        let message = "Subject: x\r\n\r\n.hidden\r\nvisible.\r\n..two\r\n"

        // When
        let payload = DotStuffing.payload(for: message)

        // Then
        #expect(payload == "Subject: x\r\n\r\n..hidden\r\nvisible.\r\n...two\r\n.\r\n")
    }

    @Test func aLoneDotLineCannotEndTheDataEarly() {
        // Given
        let message = "a\r\n.\r\nb\r\n"

        // When
        let payload = DotStuffing.payload(for: message)

        // Then
        #expect(payload == "a\r\n..\r\nb\r\n.\r\n")
        #expect(payload.components(separatedBy: "\r\n.\r\n").count == 2)
    }

    @Test func normalizesBareLineFeedsAndCarriageReturns() {
        // Given
        let message = "a\nb\rc\r\n.d"

        // When
        let payload = DotStuffing.payload(for: message)

        // Then
        #expect(payload == "a\r\nb\r\nc\r\n..d\r\n.\r\n")
    }

    @Test func anEmptyMessageIsJustTheTerminator() {
        // Given / When
        let payload = DotStuffing.payload(for: "")

        // Then
        #expect(payload == ".\r\n")
    }
}
