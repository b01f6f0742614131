import Analytics
import Testing

@Suite struct UserAgentTests {
    @Test func everyRowOfTheTableParsesToItsExpectedResult() throws {
        // Given the table of real user agents
        let table = try UserAgentTable()
        #expect(table.rows.count >= 200)

        // When each is parsed
        let mismatches = table.rows.compactMap { row -> String? in
            let parsed = UserAgent.parse(row.header)
            return parsed == row.expected ? nil : "line \(row.line): expected \(row.expected), got \(parsed)"
        }

        // Then every one matches, and each mismatch names its line
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    @Test func tableCoversEveryBrowserOperatingSystemAndDevice() throws {
        // Given the table
        let table = try UserAgentTable()

        // When its expected values are collected
        let browsers = Set(table.rows.map(\.expected.browser))
        let systems = Set(table.rows.map(\.expected.os))
        let devices = Set(table.rows.map(\.expected.device))

        // Then every family the parser reports is exercised
        let allBrowsers: Set = [
            "Chrome", "Firefox", "Safari", "Edge", "Opera", "Samsung Internet", "Vivaldi", "Yandex", "UC Browser",
            "Chrome WebView", "Safari WebView", "Facebook App", "Instagram App", "Internet Explorer", "Other",
        ]
        #expect(browsers == allBrowsers)
        #expect(systems == ["Windows", "macOS", "iOS", "iPadOS", "Android", "Linux", "Chrome OS", "Other"])
        #expect(devices == [.desktop, .mobile, .tablet])
    }

    @Test func substringHeaderParsesLikeAString() {
        // Given a header embedded in a larger string
        let line = "User-Agent: Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0"
        let header = line.dropFirst("User-Agent: ".count)

        // When the substring is parsed
        let parsed = UserAgent.parse(header)

        // Then it gives the same result as the string
        #expect(parsed == UserAgent.parse(String(header)))
        #expect(
            parsed
                == UserAgent(browser: "Firefox", browserVersion: "127", os: "Android", osVersion: "14", device: .mobile)
        )
    }

    @Test(arguments: ["", "-", "Mozilla/5.0", "(((((", "Chrome/", "Windows NT ", "iPhone OS _", "Mac OS X"])
    func malformedHeadersGiveOtherWithoutCrashing(header: String) {
        // Given a truncated or empty header
        // When it is parsed
        let parsed = UserAgent.parse(header)

        // Then unknown parts are "" and nothing crashes
        #expect(parsed.browserVersion.isEmpty)
        #expect(parsed.osVersion.isEmpty)
    }

    @Test func nonASCIIHeaderIsParsedBytewise() {
        // Given a header with non-ASCII bytes in a device model
        let header =
            "Mozilla/5.0 (Linux; Android 13; Téléphone™ X) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"

        // When it is parsed
        let parsed = UserAgent.parse(header)

        // Then the tokens around it are still found
        #expect(
            parsed
                == UserAgent(browser: "Chrome", browserVersion: "124", os: "Android", osVersion: "13", device: .mobile))
    }
}
