import Mailing
import Testing

@Suite struct CSVWriterTests {
    @Test func quotesOnlyWhenNeededAndEndsLinesWithCRLF() {
        // Given a header and a row with a comma, a quote and a line break
        var writer = CSVWriter(header: ["email", "name", "note"])

        // When the row is appended
        writer.append(["ann@example.com", "Doe, Ann", "said \"hi\"\nthen left"])

        // Then only the values that need it are quoted, quotes doubled
        #expect(writer.text == "email,name,note\r\nann@example.com,\"Doe, Ann\",\"said \"\"hi\"\"\nthen left\"\r\n")
    }

    @Test func whatIsWrittenReadsBackUnchanged() throws {
        // Given awkward but formula-free values
        let rows = [
            ["plain", "with, comma", "with \"quotes\""],
            ["line\r\nbreak", "", "Zoë 🎉"],
            [" spaced ", "'quoted'", "a=b"],
        ]
        var writer = CSVWriter(header: ["a", "b", "c"])
        for row in rows { writer.append(row) }

        // When the text is read back
        var reader = CSVReader(data: Array(writer.text.utf8))
        var read: [[String]] = []
        while let record = try reader.next() { read.append(record.fields) }

        // Then it is the same document
        #expect(read == [["a", "b", "c"]] + rows)
    }

    @Test(arguments: ["=SUM(A1:A9)", "+49 30 1234", "-2+3", "@cmd", "\tindent", "\rreturn"])
    func cellsASpreadsheetWouldRunAreDefused(value: String) throws {
        // Given a value starting with a formula trigger
        var writer = CSVWriter(header: ["value"])

        // When written and read back
        writer.append([value])
        var reader = CSVReader(data: Array(writer.text.utf8))
        _ = try reader.next()
        let record = try reader.next()

        // Then it starts with a single quote, so a spreadsheet shows it as text
        #expect(record?.fields == ["'" + value])
    }

    @Test func headerCellsAreDefusedToo() {
        // Given a header cell starting with =
        let writer = CSVWriter(header: ["=1+1", "ok"])

        // Then it is prefixed like any other cell
        #expect(writer.text == "'=1+1,ok\r\n")
    }
}
