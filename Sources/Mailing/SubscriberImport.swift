import Foundation

/// Reads and checks a CSV file of subscribers before anything is written.
///
/// The file needs a header row. Required columns: `email`, `consent_source` (where consent was given, e.g. "trade
/// fair signup sheet") and `consented_at` (when: `2024-05-01`, or a date and time with a zone like
/// `2024-05-01T14:30:00+02:00`). Optional: `name`, and `tags` separated by `;` or `|`. Other columns are ignored.
///
/// Each faulty row is refused with its line and the reason; the other rows are still accepted. A problem with the
/// file as a whole (not UTF-8, a missing column, too many rows) refuses everything.
public enum SubscriberImport {
    /// Parses and checks a whole CSV file.
    /// - Parameters:
    ///   - data: The file's bytes (UTF-8; a byte order mark is fine).
    ///   - now: The current time: consent cannot have been given after it.
    ///   - maxRows: The most data rows accepted; a longer file is refused as a whole.
    /// - Returns: The accepted rows, every problem found, and how many rows repeated an earlier address.
    public static func parse(_ data: [UInt8], now: Date = Date(), maxRows: Int = 1_000_000) -> Result {
        guard isUTF8(data) else {
            return refused(
                line: 1, "the file is not UTF-8 text — in your spreadsheet, save it as \"CSV UTF-8\" and try again")
        }
        var reader = CSVReader(data: data)
        let columns: Columns
        do {
            guard let header = try reader.next() else { return Result(rows: [], problems: [], duplicates: 0) }
            switch Columns.find(in: header) {
            case .success(let found): columns = found
            case .failure(let list): return Result(rows: [], problems: list.problems, duplicates: 0)
            }
        } catch {
            return refused(line: 1, "the header row cannot be read: \(error.message)")
        }
        var problems: [Problem] = []
        // Rows are rarely shorter than 50 bytes: reserving avoids rehashing every address as the table grows.
        var firstLine: [String: Int] = [:]
        firstLine.reserveCapacity(min(data.count / 50, maxRows))
        var rows: [Row] = []
        rows.reserveCapacity(min(data.count / 50, maxRows))
        var duplicates = 0
        var count = 0
        while true {
            let record: CSVRecord
            do {
                guard let next = try reader.next() else { break }
                record = next
            } catch {
                problems.append(Problem(line: error.line, column: nil, message: error.message))
                count += 1
                continue
            }
            count += 1
            guard count <= maxRows else {
                return refused(
                    line: 1, "the file has more than \(maxRows) rows — split it into smaller files and import each")
            }
            guard record.fields.count == columns.count else {
                problems.append(
                    Problem(
                        line: record.line, column: nil,
                        message: "has \(record.fields.count) values but the header has \(columns.count) columns"
                            + " — check for a missing or extra comma, or a value with a comma that needs quotes"))
                continue
            }
            let before = problems.count
            let row = check(
                record, columns: columns, now: now, firstLine: &firstLine, duplicates: &duplicates,
                problems: &problems)
            if let row, problems.count == before { rows.append(row) }
        }
        return Result(rows: rows, problems: problems, duplicates: duplicates)
    }

    /// Checks one record with the right number of values, appending its problems.
    /// - Returns: The row, if every value is valid (problems may still have been added: check their count).
    private static func check(
        _ record: CSVRecord, columns: Columns, now: Date, firstLine: inout [String: Int], duplicates: inout Int,
        problems: inout [Problem]
    ) -> Row? {
        let fields = record.fields
        let line = record.line
        func refuse(_ column: String, _ message: String) {
            problems.append(Problem(line: line, column: column, message: message))
        }
        var email: String?
        switch checkEmail(fields[columns.email]) {
        case .valid(let (address, key)):
            // One hash look-up for the common case of a new address; a repeat puts the first line back.
            if let earlier = firstLine.updateValue(line, forKey: key) {
                firstLine[key] = earlier
                duplicates += 1
                refuse("email", "same address as line \(earlier) — each person can be imported only once")
            } else {
                email = address
            }
        case .invalid(let message): refuse("email", message)
        }
        var name: String?
        if let column = columns.name {
            switch checkName(fields[column]) {
            case .valid(let value): name = value
            case .invalid(let message): refuse("name", message)
            }
        }
        var source: String?
        switch checkConsentSource(fields[columns.consentSource]) {
        case .valid(let value): source = value
        case .invalid(let message): refuse("consent_source", message)
        }
        var consentedAt: Date?
        switch checkConsentedAt(fields[columns.consentedAt], now: now) {
        case .valid(let value): consentedAt = value
        case .invalid(let message): refuse("consented_at", message)
        }
        var tags: [String] = []
        if let column = columns.tags {
            switch checkTags(fields[column]) {
            case .valid(let value): tags = value
            case .invalid(let message): refuse("tags", message)
            }
        }
        guard let email, let source, let consentedAt else { return nil }
        return Row(line: line, email: email, name: name, consentSource: source, consentedAt: consentedAt, tags: tags)
    }

    /// A result that refuses the whole file.
    private static func refused(line: Int, _ message: String) -> Result {
        Result(rows: [], problems: [Problem(line: line, column: nil, message: message)], duplicates: 0)
    }

    /// Whether `data` is valid UTF-8 (checked once, so no value silently gets U+FFFD).
    private static func isUTF8(_ data: [UInt8]) -> Bool {
        // Pure ASCII, the usual case, needs no decoding.
        if !data.contains(where: { $0 >= 0x80 }) { return true }
        return String(validating: data, as: UTF8.self) != nil
    }
}
