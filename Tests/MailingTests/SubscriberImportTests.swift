import Foundation
import Mailing
import Testing

@Suite struct SubscriberImportTests {
    /// 2024-06-01T12:00:00Z.
    private let now = Date(timeIntervalSince1970: 1_717_243_200)
    private let header = "email,name,consent_source,consented_at,tags"

    /// Parses a file made of `header` and `lines`, joined with LF.
    private func parse(_ lines: String..., header: String? = nil, maxRows: Int = 1_000_000) -> SubscriberImport.Result {
        let text = ([header ?? self.header] + lines).joined(separator: "\n")
        return SubscriberImport.parse(Array(text.utf8), now: now, maxRows: maxRows)
    }

    /// A moment in UTC.
    private func date(_ text: String) throws -> Date {
        try Date(text, strategy: .iso8601)
    }

    @Test func acceptsAValidRowAndNormalisesIt() throws {
        // Given a header with loose names and a row with spaces, an upper-case domain and repeated tags
        let result = parse(
            " Ann.Lee@Example.COM ,  Ann Lee , trade fair signup sheet ,2024-05-01, news; events |news ;",
            header: "Email,Name, Consent Source ,CONSENTED-AT,Tags")

        // Then the row is accepted, trimmed, with the domain lower-cased and tags split and deduplicated
        #expect(result.problems == [])
        let row = try #require(result.rows.first)
        #expect(row.line == 2)
        #expect(row.email == "Ann.Lee@example.com")
        #expect(row.name == "Ann Lee")
        #expect(row.consentSource == "trade fair signup sheet")
        #expect(row.consentedAt == (try date("2024-05-01T00:00:00Z")))
        #expect(row.tags == ["news", "events"])
        #expect(result.duplicates == 0)
    }

    @Test func optionalColumnsMayBeMissingOrEmpty() throws {
        // Given only the required columns, in another order, and an unknown column
        let result = parse(
            "web form,2024-05-01T10:00:00Z,x,bob@example.com", header: "consent_source,consented_at,shoe size,email")

        // Then the row has no name and no tags
        #expect(result.problems == [])
        #expect(result.rows.first?.name == nil)
        #expect(result.rows.first?.tags == [])
    }

    @Test func missingRequiredColumnsRefuseTheFile() {
        // Given a header without consent columns
        let result = parse("ann@example.com,Ann", header: "email,name")

        // Then each missing column is one problem on line 1, and nothing is imported
        #expect(result.rows.isEmpty)
        #expect(result.problems.map(\.line) == [1, 1])
        #expect(result.problems.map(\.column) == ["consent_source", "consented_at"])
        #expect(result.problems.first?.message.hasPrefix("the header has no such column") == true)
    }

    @Test func repeatedColumnRefusesTheFile() {
        // Given two email columns
        let result = parse(header: "email,consent_source,consented_at,Email")

        // Then the file is refused with a problem naming the column
        #expect(result.problems.map(\.column) == ["email"])
        #expect(result.rows.isEmpty)
    }

    @Test(arguments: [
        "", "ann.example.com", "ann@lee@example.com", "@example.com", "ann@", "ann@example", "ann lee@example.com",
        "ann@exa mple.com", "ann\u{1}@example.com", "ann@.example.com", "ann@example..com", ".ann@example.com",
        "ann.@example.com", "ann;bob@example.com", "Ann <ann@example.com>", "ann@-example.com", "ann@example.com-",
        "ann@exam_ple.com", String(repeating: "a", count: 65) + "@example.com",
        "ann@" + String(repeating: "a", count: 247) + ".com",
    ])
    func invalidAddressesAreRefusedWithoutQuotingThem(address: String) {
        // Given a row with a bad address on line 3, after a good row
        let result = parse(
            "good@example.com,,form,2024-05-01,", "\"\(address.replacing("\"", with: "\"\""))\",,form,2024-05-01,")

        // Then only line 3 is refused, on the email column, and the message does not repeat the address
        #expect(result.rows.map(\.line) == [2])
        let problem = result.problems.first
        #expect(result.problems.count == 1)
        #expect(problem?.line == 3)
        #expect(problem?.column == "email")
        let local = address.split(separator: "@").first.map(String.init) ?? address
        #expect(local.count < 3 || problem?.message.contains(local) == false)
    }

    @Test(arguments: [
        "a@example.com", "first.last+tag@mail.example.co.uk", "o'brien@example.ie", "user@xn--bcher-kva.de",
        "用户@例子.广告", "a_b-c@sub-domain.example.org",
    ])
    func practicalAddressesAreAccepted(address: String) {
        // Given a row with an unusual but deliverable address
        let result = parse("\(address),,form,2024-05-01,")

        // Then it is accepted as written
        #expect(result.problems == [])
        #expect(result.rows.first?.email == address)
    }

    @Test func laterRowWithTheSameAddressIsADuplicate() {
        // Given the same address, differently cased, on lines 2 and 4
        let result = parse(
            "ann@example.com,,form,2024-05-01,", "bob@example.com,,form,2024-05-01,",
            "ANN@Example.com,,form,2024-05-01,")

        // Then line 4 is refused as a duplicate of line 2
        #expect(result.rows.map(\.line) == [2, 3])
        #expect(result.duplicates == 1)
        #expect(
            result.problems == [
                .init(
                    line: 4, column: "email",
                    message: "same address as line 2 — each person can be imported only once")
            ])
    }

    @Test func emptyConsentSourceIsRefused() {
        // Given a row without a consent source on line 3
        let result = parse("ann@example.com,,form,2024-05-01,", "bob@example.com,Bob,  ,2024-05-01,")

        // Then it is refused with a plain explanation
        #expect(result.rows.map(\.line) == [2])
        #expect(
            result.problems.map(\.description) == [
                "line 3, consent_source: empty — say where and when this person agreed"
            ])
    }

    @Test func consentSourceIsAtMost500Characters() {
        // Given sources of 500 and 501 characters
        let result = parse(
            "ann@example.com,,\(String(repeating: "é", count: 500)),2024-05-01,",
            "bob@example.com,,\(String(repeating: "é", count: 501)),2024-05-01,")

        // Then only the longer one is refused
        #expect(result.rows.map(\.line) == [2])
        #expect(result.problems.map(\.line) == [3])
        #expect(result.problems.map(\.column) == ["consent_source"])
    }

    @Test(arguments: [
        "", "01/05/2024", "2024-13-01", "2023-02-29", "2024-5-1", "yesterday", "2024-05-01T25:00Z",
        "2024-05-01T10:00:00+", "2024-05-01T10:00:00Zulu", "2024-05-01T10:00:00+02:00 extra",
    ])
    func unreadableConsentDatesAreRefused(value: String) {
        // Given a row whose consent date cannot be read
        let result = parse("ann@example.com,,form,\(value),")

        // Then it is refused on consented_at
        #expect(result.rows.isEmpty)
        #expect(result.problems.map(\.column) == ["consented_at"])
        #expect(result.problems.map(\.line) == [2])
    }

    @Test func dateTimesNeedAZone() {
        // Given a date and time without a zone
        let result = parse("ann@example.com,,form,2024-05-01T10:00:00,")

        // Then the message asks for one
        #expect(result.problems.first?.message.hasPrefix("a time without a time zone") == true)
    }

    @Test func dateTimeFormsAreRead() throws {
        // Given the accepted forms
        let result = parse(
            "a@example.com,,form,2024-05-01T14:30:00Z,", "b@example.com,,form,2024-05-01T14:30:00+02:00,",
            "c@example.com,,form,2024-05-01 14:30:15.5-0130,", "d@example.com,,form,2024-02-29t14:30+02,")

        // Then each is the right moment
        #expect(result.problems == [])
        #expect(
            result.rows.map(\.consentedAt) == [
                try date("2024-05-01T14:30:00Z"), try date("2024-05-01T12:30:00Z"),
                try date("2024-05-01T16:00:15Z").addingTimeInterval(0.5), try date("2024-02-29T12:30:00Z"),
            ])
    }

    @Test func consentCannotBeInTheFuture() throws {
        // Given, at 2024-06-01T12:00Z, a second later, a date that is already today east of UTC, and the day after
        let result = parse(
            "a@example.com,,form,2024-06-01T12:00:01Z,", "b@example.com,,form,2024-06-02,",
            "c@example.com,,form,2024-06-03,", "d@example.com,,form,2024-06-01,")

        // Then the second-later and day-after rows are refused; the east-of-UTC date is kept as now
        #expect(result.problems.map(\.line) == [2, 4])
        #expect(Set(result.problems.map(\.column)) == ["consented_at"])
        #expect(result.problems.first?.message.hasPrefix("in the future") == true)
        #expect(result.rows.map(\.consentedAt) == [now, try date("2024-06-01T00:00:00Z")])
    }

    @Test func namesAreOneLineOfAtMost200Characters() {
        // Given an empty name, a name of 201 characters and a name with a line break
        let result = parse(
            "a@example.com,  ,form,2024-05-01,", "b@example.com,\(String(repeating: "n", count: 201)),form,2024-05-01,",
            "c@example.com,\"Ann\nLee\",form,2024-05-01,")

        // Then the empty name is nil and the other two rows are refused on name
        #expect(result.rows.map(\.line) == [2])
        #expect(result.rows.first?.name == nil)
        #expect(result.problems.map(\.line) == [3, 4])
        #expect(result.problems.map(\.column) == ["name", "name"])
    }

    @Test func tagsAreAtMost50Characters() {
        // Given a 50-character tag and a 51-character one
        let result = parse(
            "a@example.com,,form,2024-05-01,\(String(repeating: "t", count: 50))",
            "b@example.com,,form,2024-05-01,ok;\(String(repeating: "t", count: 51))")

        // Then only the longer one is refused
        #expect(result.rows.map(\.line) == [2])
        #expect(result.problems.map(\.line) == [3])
        #expect(result.problems.map(\.column) == ["tags"])
    }

    @Test func everyProblemOfARowIsReported() {
        // Given a row that is wrong in three columns
        let result = parse("not-an-address,,,someday,")

        // Then all three are reported, in column order
        #expect(result.problems.map(\.column) == ["email", "consent_source", "consented_at"])
        #expect(result.rows.isEmpty)
    }

    @Test func wrongNumberOfValuesIsRefused() {
        // Given a row with an unquoted comma in the name
        let result = parse("a@example.com,Lee, Ann,form,2024-05-01,", "b@example.com,,form,2024-05-01,")

        // Then that row is refused as a whole and the next one accepted
        #expect(result.rows.map(\.line) == [3])
        #expect(result.problems.map(\.line) == [2])
        #expect(result.problems.first?.column == nil)
        #expect(result.problems.first?.message.hasPrefix("has 6 values but the header has 5 columns") == true)
    }

    @Test func malformedQuotingRefusesOnlyItsRow() {
        // Given a stray quote on line 3
        let result = parse(
            "a@example.com,,form,2024-05-01,", "b@example.com,Ann \"Nan\" Lee,form,2024-05-01,",
            "c@example.com,,form,2024-05-01,")

        // Then line 3 is refused and the rows around it are read
        #expect(result.rows.map(\.line) == [2, 4])
        #expect(result.problems.map(\.line) == [3])
    }

    @Test func fileThatIsNotUTF8IsRefused() {
        // Given Latin-1 bytes (é as 0xE9)
        let data = Array("\(header)\na@example.com,Ren".utf8) + [0xE9] + Array(",form,2024-05-01,".utf8)

        // When parsed
        let result = SubscriberImport.parse(data, now: now)

        // Then the file is refused as a whole
        #expect(result.rows.isEmpty)
        #expect(result.problems.map(\.line) == [1])
        #expect(result.problems.first?.message.contains("UTF-8") == true)
    }

    @Test func moreRowsThanAllowedRefusesTheFile() {
        // Given three rows and a limit of two
        let result = parse(
            "a@example.com,,form,2024-05-01,", "b@example.com,,form,2024-05-01,", "c@example.com,,form,2024-05-01,",
            maxRows: 2)

        // Then nothing is imported
        #expect(result.rows.isEmpty)
        #expect(result.problems.count == 1)
        #expect(result.problems.first?.message.hasPrefix("the file has more than 2 rows") == true)
    }

    @Test func emptyFileHasNothing() {
        // Given no bytes at all
        let result = SubscriberImport.parse([], now: now)

        // Then there are neither rows nor problems
        #expect(result.rows.isEmpty && result.problems.isEmpty)
    }

    @Test func manyRowsAreAllRead() {
        // Given 5,000 generated rows in CRLF lines
        let lines = (0..<5_000).map { "person\($0)@example.com,Person \($0),import test,2024-05-01T10:00:00Z,a|b" }
        let data = Array(([header] + lines).joined(separator: "\r\n").utf8)

        // When parsed
        let result = SubscriberImport.parse(data, now: now)

        // Then every row is accepted with its line
        #expect(result.problems == [])
        #expect(result.rows.count == 5_000)
        #expect(result.rows.last?.line == 5_001)
        #expect(result.rows.last?.email == "person4999@example.com")
    }
}
