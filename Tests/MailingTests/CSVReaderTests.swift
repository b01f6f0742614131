import Foundation
import Mailing
import Testing

@Suite struct CSVReaderTests {
    /// Every record of `text`, or the first error.
    private func records(_ text: String) throws(CSVError) -> [CSVRecord] {
        var reader = CSVReader(data: Array(text.utf8))
        var records: [CSVRecord] = []
        while let record = try reader.next() { records.append(record) }
        return records
    }

    @Test func readsRecordsWithTheirLineNumbers() throws {
        // Given two plain lines
        let text = "email,name\nann@example.com,Ann\n"

        // When read
        let records = try records(text)

        // Then each record has its fields and line
        #expect(
            records == [
                CSVRecord(line: 1, fields: ["email", "name"]), CSVRecord(line: 2, fields: ["ann@example.com", "Ann"]),
            ])
    }

    @Test func quotedValuesKeepCommasAndDoubledQuotes() throws {
        // Given quoted values with a comma and escaped quotes
        let text = #""Doe, Jane","say ""hi""",plain,"""#

        // When read
        let records = try records(text)

        // Then the quotes are removed and "" becomes "
        #expect(records.map(\.fields) == [["Doe, Jane", #"say "hi""#, "plain", ""]])
    }

    @Test func lineBreaksInsideQuotesStayInTheValueAndCountAsLines() throws {
        // Given a value spanning two lines (CRLF), then another record
        let text = "a,b\r\n\"first\r\nsecond\",x\r\nnext,y\r\n"

        // When read
        let records = try records(text)

        // Then the line break is part of the value, and the next record starts on line 4
        #expect(records.map(\.fields) == [["a", "b"], ["first\r\nsecond", "x"], ["next", "y"]])
        #expect(records.map(\.line) == [1, 2, 4])
    }

    @Test func crLfAndCrAndLfAllEndLines() throws {
        // Given each kind of line end
        let text = "one\rtwo\nthree\r\nfour"

        // When read
        let records = try records(text)

        // Then there are four records on four lines
        #expect(records.map(\.fields) == [["one"], ["two"], ["three"], ["four"]])
        #expect(records.map(\.line) == [1, 2, 3, 4])
    }

    @Test func byteOrderMarkIsSkipped() throws {
        // Given a file as Excel saves "CSV UTF-8"
        var reader = CSVReader(data: [0xEF, 0xBB, 0xBF] + Array("email\r\nzoë@example.com".utf8))

        // When read
        let header = try reader.next()
        let row = try reader.next()

        // Then the first field has no BOM in front, and non-ASCII text is intact
        #expect(header?.fields == ["email"])
        #expect(row?.fields == ["zoë@example.com"])
    }

    @Test func emptyLinesAreSkippedButCounted() throws {
        // Given blank lines between and after records
        let text = "a\n\n\r\nb\n\n"

        // When read
        let records = try records(text)

        // Then only two records, the second on line 4
        #expect(records == [CSVRecord(line: 1, fields: ["a"]), CSVRecord(line: 4, fields: ["b"])])
    }

    @Test func emptyValuesAndATrailingCommaAreKept() throws {
        // Given empty values, including after a trailing comma at the end of the file
        let text = "a,,\n,b,"

        // When read
        let records = try records(text)

        // Then each empty value is an empty string
        #expect(records.map(\.fields) == [["a", "", ""], ["", "b", ""]])
    }

    @Test func unterminatedQuoteNamesTheLineWhereItOpens() throws {
        // Given a quote opened on line 3 and never closed
        var reader = CSVReader(data: Array("a\nb\n\"open,\nmore\nlines".utf8))
        _ = try reader.next()
        _ = try reader.next()

        // When the third record is read
        let error = #expect(throws: CSVError.self) { try reader.next() }

        // Then the error names line 3, and nothing is left to read
        #expect(error == .unterminatedQuote(line: 3))
        #expect(try reader.next() == nil)
    }

    @Test func strayQuoteIsReportedAndReadingResumesOnTheNextLine() throws {
        // Given a quote in the middle of an unquoted value on line 2
        var reader = CSVReader(data: Array("a,b\nc,d\"e,f\ng,h\n".utf8))
        _ = try reader.next()

        // When the faulty record and the one after are read
        let error = #expect(throws: CSVError.self) { try reader.next() }
        let after = try reader.next()

        // Then the error names line 2 and the next line is read normally
        #expect(error == .strayQuote(line: 2))
        #expect(after == CSVRecord(line: 3, fields: ["g", "h"]))
    }

    @Test func textAfterAClosingQuoteIsAnError() throws {
        // Given text after a closing quote on a value that spans lines 1 and 2
        var reader = CSVReader(data: Array("\"a\nb\"c,d\ne\n".utf8))

        // When read
        let error = #expect(throws: CSVError.self) { try reader.next() }
        let after = try reader.next()

        // Then the error is on line 2, where the quote closes, and line 3 is read next
        #expect(error == .textAfterClosingQuote(line: 2))
        #expect(after == CSVRecord(line: 3, fields: ["e"]))
        #expect(error?.description.hasPrefix("line 2: text after a closing \"") == true)
    }

    @Test func readsDataAndReplacesInvalidUTF8() throws {
        // Given Data with a byte that is not UTF-8
        var reader = CSVReader(data: Data([0x61, 0xFF, 0x2C, 0x62]))

        // When read
        let record = try reader.next()

        // Then the bad byte becomes U+FFFD
        #expect(record?.fields == ["a\u{FFFD}", "b"])
    }
}
