extension SubscriberImport {
    /// Where each known column is in the file.
    struct Columns {
        /// Values a row must have: the header's width.
        let count: Int
        /// Position of `email`.
        let email: Int
        /// Position of `consent_source`.
        let consentSource: Int
        /// Position of `consented_at`.
        let consentedAt: Int
        /// Position of `name`, if there is one.
        let name: Int?
        /// Position of `tags`, if there is one.
        let tags: Int?

        /// Finds the columns in a header record.
        ///
        /// Names are compared case-insensitively, trimmed, with spaces and dashes read as underscores (so
        /// "Consent Source" is `consent_source`). Unknown columns are ignored.
        /// - Returns: The columns, or one problem per missing or repeated column (on line 1, like every problem with the file as a whole).
        static func find(in header: CSVRecord) -> Swift.Result<Columns, ProblemList> {
            var positions: [String: Int] = [:]
            var problems: [Problem] = []
            for (index, field) in header.fields.enumerated() {
                let name = normalised(field)
                guard known.contains(name) else { continue }
                if positions[name] != nil {
                    problems.append(
                        Problem(
                            line: 1, column: name,
                            message: "the header has this column twice — keep one and delete the other"))
                } else {
                    positions[name] = index
                }
            }
            let hints = [
                ("email", "add it, with each person's e-mail address"),
                ("consent_source", "add it, saying where each person agreed, e.g. \"trade fair signup sheet\""),
                ("consented_at", "add it, with the date each person agreed, like 2024-05-01"),
            ]
            for (name, hint) in hints where positions[name] == nil {
                problems.append(
                    Problem(line: 1, column: name, message: "the header has no such column — \(hint)"))
            }
            guard problems.isEmpty, let email = positions["email"], let consentSource = positions["consent_source"],
                let consentedAt = positions["consented_at"]
            else { return .failure(ProblemList(problems: problems)) }
            return .success(
                Columns(
                    count: header.fields.count, email: email, consentSource: consentSource, consentedAt: consentedAt,
                    name: positions["name"], tags: positions["tags"]))
        }

        /// The column names this import understands.
        private static let known: Set<String> = ["email", "consent_source", "consented_at", "name", "tags"]

        /// `" Consent-Source "` → `consent_source`.
        private static func normalised(_ name: String) -> String {
            String(
                SubscriberImport.trimmed(name).lowercased().map { character in
                    character == " " || character == "-" ? "_" : character
                })
        }
    }

    /// Problems as an error, so they can travel in a `Result`.
    struct ProblemList: Error {
        /// The problems, in order.
        let problems: [Problem]
    }
}
