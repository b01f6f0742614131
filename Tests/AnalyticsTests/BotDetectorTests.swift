import Analytics
import Foundation
import Testing

@Suite struct BotDetectorTests {
    /// The bot user agents of `Fixtures/bots.txt`, without comments and blank lines.
    private func bots() throws -> [String] {
        let url = try #require(Bundle.module.url(forResource: "bots", withExtension: "txt", subdirectory: "Fixtures"))
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("#") }
    }

    @Test func everyKnownBotIsDetected() throws {
        // Given at least 40 crawlers, monitors, previewers and HTTP tools
        let agents = try bots()
        #expect(agents.count >= 40)

        // When each is checked
        let missed = agents.filter { !BotDetector.isBot(userAgent: $0) }

        // Then none passes as a browser
        #expect(missed.isEmpty, "not detected: \(missed)")
    }

    @Test func noBrowserOfTheTableIsABot() throws {
        // Given the table of real browser user agents
        let table = try UserAgentTable()

        // When each is checked
        let flagged = table.rows.filter { BotDetector.isBot(userAgent: $0.header) }.map(\.line)

        // Then none is taken for a bot
        #expect(flagged.isEmpty, "taken for bots, lines: \(flagged)")
    }

    @Test func emptyAndShortAgentsAreBots() {
        // Given an empty agent, a 19-byte one and a 20-byte one without any marker
        let empty = ""
        let short = String(repeating: "a", count: 19)
        let long = String(repeating: "a", count: 20)

        // When they are checked
        // Then the first two are bots, the last is not
        #expect(BotDetector.isBot(userAgent: empty))
        #expect(BotDetector.isBot(userAgent: short))
        #expect(!BotDetector.isBot(userAgent: long))
    }

    @Test func markersMatchInAnyCase() {
        // Given markers written in upper and mixed case inside otherwise browser-like agents
        let upper = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) SOMECRAWLER/1.0"
        let mixed = "Mozilla/5.0 (X11; Linux x86_64) HeAdLeSs something/2.0"

        // When they are checked
        // Then both are bots
        #expect(BotDetector.isBot(userAgent: upper))
        #expect(BotDetector.isBot(userAgent: mixed))
    }

    @Test func substringAgentIsCheckedLikeAString() {
        // Given a bot agent as a substring of a header line
        let line = "User-Agent: Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
        let agent = line.dropFirst("User-Agent: ".count)

        // When it is checked
        // Then it is a bot
        #expect(BotDetector.isBot(userAgent: agent))
    }
}
