import Analytics
import Foundation

/// The table of real user-agent strings in `Fixtures/user-agents.tsv` with the result each must parse to.
struct UserAgentTable {
    /// Why the table could not be read.
    enum Failure: Error {
        /// The file is not in the test bundle.
        case missing
        /// A line does not have the six tab-separated columns or names an unknown device.
        case malformed(line: Int)
    }

    /// One row: the header and what it must parse to.
    struct Row {
        /// The line in the file, counted from 1.
        let line: Int
        /// The `User-Agent` header.
        let header: String
        /// The expected parse.
        let expected: UserAgent
    }

    /// The rows, in file order; comment lines ("#") and blank lines are skipped.
    let rows: [Row]

    /// Reads the table from the test bundle.
    /// - Throws: `Failure` when the file is missing or a line is malformed.
    init() throws {
        guard let url = Bundle.module.url(forResource: "user-agents", withExtension: "tsv", subdirectory: "Fixtures")
        else { throw Failure.missing }
        let text = try String(contentsOf: url, encoding: .utf8)
        var rows: [Row] = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count == 6, let device = UserAgent.Device(rawValue: columns[5]) else {
                throw Failure.malformed(line: offset + 1)
            }
            let expected = UserAgent(
                browser: columns[1], browserVersion: columns[2], os: columns[3], osVersion: columns[4], device: device)
            rows.append(Row(line: offset + 1, header: columns[0], expected: expected))
        }
        self.rows = rows
    }
}
