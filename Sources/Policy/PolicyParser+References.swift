import Yams

extension PolicyParser {
    /// Checks what items say about each other: unique ids, and that every category, purpose and recipient named
    /// anywhere is declared. A section that could not be read (nil) is not used to judge the others.
    mutating func checkReferences(
        categories: [Parsed<DataCategory>]?, purposes: [Parsed<Purpose>]?, retention: [Parsed<RetentionRule>]?,
        recipients: [Parsed<Recipient>]?, cookies: [Parsed<CookieDeclaration>]?
    ) {
        checkUnique(categories ?? [], key: "id", id: \.id) {
            "duplicate category id '\($0)' (first declared on line \($1))"
        }
        checkUnique(purposes ?? [], key: "id", id: \.id) {
            "duplicate purpose id '\($0)' (first declared on line \($1))"
        }
        checkUnique(recipients ?? [], key: "id", id: \.id) {
            "duplicate recipient id '\($0)' (first declared on line \($1))"
        }
        checkUnique(cookies ?? [], key: "name", id: \.name) {
            "duplicate cookie name '\($0)' (first declared on line \($1))"
        }
        checkUnique(retention ?? [], key: "category", id: \.category) {
            "the category '\($0)' has more than one retention rule (the first is on line \($1)); keep one"
        }
        let purposeIDs = Set((purposes ?? []).map(\.value.id))
        for recipient in recipients ?? [] where purposeIDs.contains(recipient.value.id) {
            report(
                "the id '\(recipient.value.id)' is used by both a purpose and a recipient; consents are recorded by "
                    + "id, so give the recipient another id", at: recipient.entries.mark(of: "id"))
        }
        for purpose in purposes ?? [] where purpose.value.id == "essential" {
            report(
                "'essential' is reserved for cookies the site needs; give the purpose another id",
                at: purpose.entries.mark(of: "id"))
        }
        if let purposes {
            checkServedPurposes(purposes, recipients: recipients ?? [])
        }
        if let categories {
            checkCategories(categories, purposes: purposes ?? [], retention: retention, recipients: recipients ?? [])
        }
        for cookie in cookies ?? [] {
            let purpose = cookie.value.purpose
            if let purposes, !purpose.isEmpty, purpose != "essential",
                !purposes.contains(where: { $0.value.id == purpose })
            {
                report(
                    "\(cookie.entries.place.name) has the purpose '\(purpose)', which is neither 'essential' nor a "
                        + "declared purpose id", at: cookie.entries.mark(of: "purpose"))
            }
            let provider = cookie.value.provider
            if let recipients, provider != "first-party", !recipients.contains(where: { $0.value.id == provider }) {
                report(
                    "\(cookie.entries.place.name) names the provider '\(provider)', which is neither 'first-party' "
                        + "nor a declared recipient id", at: cookie.entries.mark(of: "provider"))
            }
        }
    }

    /// Checks that purposes, retention rules and recipients name declared categories, and that every personal
    /// category has a retention rule.
    private mutating func checkCategories(
        _ categories: [Parsed<DataCategory>], purposes: [Parsed<Purpose>], retention: [Parsed<RetentionRule>]?,
        recipients: [Parsed<Recipient>]
    ) {
        let declared = Set(categories.map(\.value.id))
        for purpose in purposes {
            let marks = purpose.entries.elementMarks(of: "categories")
            for (index, id) in purpose.value.categories.enumerated() where !declared.contains(id) {
                report(
                    "\(purpose.entries.place.name) uses the category '\(id)', which is not declared under "
                        + "'categories'; declare it or correct the id",
                    at: index < marks.count ? marks[index] : purpose.entries.mark(of: "categories"))
            }
        }
        for recipient in recipients {
            let marks = recipient.entries.elementMarks(of: "receives")
            for (index, id) in recipient.value.receives.enumerated() where !declared.contains(id) {
                report(
                    "\(recipient.entries.place.name) receives the category '\(id)', which is not declared under "
                        + "'categories'; declare it or correct the id",
                    at: index < marks.count ? marks[index] : recipient.entries.mark(of: "receives"))
            }
        }
        guard let retention else { return }
        for rule in retention where !rule.value.category.isEmpty && !declared.contains(rule.value.category) {
            report(
                "the retention rule for '\(rule.value.category)' names a category that is not declared under "
                    + "'categories'", at: rule.entries.mark(of: "category"))
        }
        let retained = Set(retention.map(\.value.category))
        for category in categories
        where category.value.personal && !category.value.id.isEmpty && !retained.contains(category.value.id) {
            report(
                "the personal category '\(category.value.id)' has no retention rule; add one under 'retention' "
                    + "saying how long it is kept", at: category.entries.mark(of: "id"))
        }
    }

    /// Checks that every purpose a recipient serves is declared and uses a category the recipient receives.
    private mutating func checkServedPurposes(_ purposes: [Parsed<Purpose>], recipients: [Parsed<Recipient>]) {
        for recipient in recipients {
            let marks = recipient.entries.elementMarks(of: "serves")
            for (index, id) in (recipient.value.serves ?? []).enumerated() {
                let mark = index < marks.count ? marks[index] : recipient.entries.mark(of: "serves")
                guard let purpose = purposes.first(where: { $0.value.id == id })?.value else {
                    report(
                        "\(recipient.entries.place.name) serves the purpose '\(id)', which is not declared under "
                            + "'purposes'; declare it or correct the id", at: mark)
                    continue
                }
                if !purpose.categories.isEmpty && !purpose.categories.contains(where: recipient.value.receives.contains)
                {
                    report(
                        "\(recipient.entries.place.name) serves the purpose '\(id)' but receives none of its "
                            + "categories; add them to 'receives' or remove the purpose from 'serves'", at: mark)
                }
            }
        }
    }

    /// Reports every item whose id repeats an earlier one, at the repeat.
    /// - Parameters:
    ///   - key: The key holding the id, to point at it.
    ///   - message: Builds the message from the id and the line of the first occurrence.
    private mutating func checkUnique<Value>(
        _ items: [Parsed<Value>], key: String, id: (Value) -> String, message: (String, Int) -> String
    ) {
        var firstLines: [String: Int] = [:]
        for item in items {
            let itemID = id(item.value)
            guard !itemID.isEmpty else { continue }
            if let line = firstLines[itemID] {
                report(message(itemID, line), at: item.entries.mark(of: key))
            } else {
                firstLines[itemID] = item.entries.mark(of: key)?.line ?? 1
            }
        }
    }
}
