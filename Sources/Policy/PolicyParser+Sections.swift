import Foundation
import Yams

extension PolicyParser {
    /// The top-level keys, in the order the default file uses.
    static let topLevelKeys = [
        "version", "date", "controller", "categories", "purposes", "retention", "recipients", "cookies", "analytics",
        "requests", "security", "mailTracking",
    ]

    /// Reads the whole policy; the result is meaningful only when no issues were reported.
    mutating func policy(from root: Node) -> PrivacyPolicy? {
        guard let top = entries(root, place: .root, allowed: Self.topLevelKeys) else { return nil }
        let version = number("version", in: top, example: 2)
        if let version, version < 1 {
            report("'version' must be 1 or higher (it is \(version))", at: top.mark(of: "version"))
        }
        let date = text("date", in: top)
        if let date, !Self.isCalendarDate(date) {
            report(
                "'date' must be a real calendar date written YYYY-MM-DD, e.g. 2024-05-01 (found '\(date)')",
                at: top.mark(of: "date"))
        }
        var controller: Controller?
        if let entries = section("controller", in: top, allowed: Self.controllerKeys) {
            controller = self.controller(entries)
        }
        let categories = items("categories", in: top, kind: "category", idKey: "id", allowed: Self.categoryKeys) {
            $0.category($1)
        }
        let purposes = items("purposes", in: top, kind: "purpose", idKey: "id", allowed: Self.purposeKeys) {
            $0.purpose($1)
        }
        let retention = items(
            "retention", in: top, kind: "retention rule", idKey: "category", allowed: Self.retentionKeys
        ) { $0.retentionRule($1) }
        let recipients = items("recipients", in: top, kind: "recipient", idKey: "id", allowed: Self.recipientKeys) {
            $0.recipient($1)
        }
        let cookies = items("cookies", in: top, kind: "cookie", idKey: "name", allowed: Self.cookieKeys) {
            $0.cookie($1)
        }
        var analytics: AnalyticsDeclaration?
        if let entries = section("analytics", in: top, allowed: Self.analyticsKeys) {
            analytics = self.analytics(entries)
        }
        var requests: RequestsDeclaration?
        if let entries = section("requests", in: top, allowed: Self.requestsKeys) {
            requests = self.requests(entries)
        }
        let security = texts("security", in: top, nonEmpty: true)
        var mailTracking: Parsed<MailTrackingDeclaration>?
        if let node = top.values["mailTracking"], !Self.isNull(node),
            let entries = entries(node, place: .section("mailTracking"), allowed: Self.mailTrackingKeys)
        {
            mailTracking = self.mailTracking(entries)
        }
        checkReferences(
            categories: categories, purposes: purposes, retention: retention, recipients: recipients, cookies: cookies)
        if let mailTracking {
            checkMailTracking(mailTracking, categories: categories, purposes: purposes, retention: retention)
        }
        guard let version, let date, let controller, let categories, let purposes, let retention, let recipients,
            let cookies, let analytics, let requests, let security
        else { return nil }
        return PrivacyPolicy(
            version: version, date: date, controller: controller, categories: categories.map(\.value),
            purposes: purposes.map(\.value), retention: retention.map(\.value), recipients: recipients.map(\.value),
            cookies: cookies.map(\.value), analytics: analytics, requests: requests, security: security,
            mailTracking: mailTracking?.value)
    }

    /// Whether text is `YYYY-MM-DD` naming a day that exists.
    static func isCalendarDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), day >= 1
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    /// Opens a top-level section that is a single mapping.
    private mutating func section(_ key: String, in top: Entries, allowed: [String]) -> Entries? {
        guard let node = top.values[key], !Self.isNull(node) else {
            report("the policy is missing the required key '\(key)'", at: top.mark)
            return nil
        }
        return entries(node, place: .section(key), allowed: allowed)
    }

    /// Reads a top-level list of mappings.
    /// - Returns: The items read (malformed entries left out), or nil when the list is absent or not a list.
    private mutating func items<Value>(
        _ key: String, in top: Entries, kind: String, idKey: String, allowed: [String],
        read: (inout PolicyParser, Entries) -> Value
    ) -> [Parsed<Value>]? {
        guard let nodes = list(key, in: top) else { return nil }
        var result: [Parsed<Value>] = []
        for (index, node) in nodes.enumerated() {
            let place = Place.item(kind: kind, id: nil, index: index)
            guard let entries = entries(node, place: place, allowed: allowed, idKey: idKey) else { continue }
            result.append(Parsed(value: read(&self, entries), entries: entries))
        }
        return result
    }

    /// Reads an e-mail address: text with an `@` between a local part and a domain.
    private mutating func email(_ key: String, in entries: Entries) -> String? {
        guard let email = text(key, in: entries) else { return nil }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !email.contains(" ") else {
            report(
                "\(entries.place.field(key)) is '\(email)', which is not an e-mail address (expected name@domain)",
                at: entries.mark(of: key))
            return nil
        }
        return email
    }

    /// The keys of the controller section.
    static let controllerKeys = ["name", "street", "postalCode", "city", "country", "email", "website"]

    /// Reads the controller's details.
    private mutating func controller(_ entries: Entries) -> Controller? {
        let name = text("name", in: entries)
        let street = text("street", in: entries)
        let postalCode = text("postalCode", in: entries)
        let city = text("city", in: entries)
        let country = text("country", in: entries)
        let email = email("email", in: entries)
        let website = text("website", in: entries, required: false)
        guard let name, let street, let postalCode, let city, let country, let email else { return nil }
        return Controller(
            name: name, street: street, postalCode: postalCode, city: city, country: country, email: email,
            website: website)
    }

    /// The keys a category may have.
    static let categoryKeys = ["id", "name", "description", "personal", "examples"]

    /// Reads a data category.
    private mutating func category(_ entries: Entries) -> DataCategory {
        DataCategory(
            id: identifier("id", in: entries) ?? "",
            name: text("name", in: entries) ?? "",
            description: text("description", in: entries) ?? "",
            personal: flag("personal", in: entries, default: true) ?? true,
            examples: texts("examples", in: entries, required: false) ?? [])
    }

    /// The keys a purpose may have.
    static let purposeKeys = [
        "id", "name", "description", "legalBasis", "categories", "requiresConsent", "consentLabel",
    ]

    /// Reads a purpose and checks that consent, its flag and its label agree.
    private mutating func purpose(_ entries: Entries) -> Purpose {
        let id = identifier("id", in: entries) ?? ""
        let name = text("name", in: entries) ?? ""
        let description = text("description", in: entries) ?? ""
        let basis = choice("legalBasis", in: entries, as: LegalBasis.self, noun: "a legal basis")
        let categories = texts("categories", in: entries, nonEmpty: true) ?? []
        let requiresConsent = flag("requiresConsent", in: entries, default: false)
        let label = text("consentLabel", in: entries, required: false)
        if basis == .consent && requiresConsent == false {
            report(
                "\(entries.place.name) has legal basis consent, so 'requiresConsent' must be true",
                at: entries.mark(of: "requiresConsent"))
        }
        if requiresConsent == true && label == nil && entries.values["consentLabel"].map(Self.isNull) != false {
            report(
                "\(entries.place.name) requires consent but has no 'consentLabel'; add the short text shown next "
                    + "to its checkbox", at: entries.mark)
        }
        return Purpose(
            id: id, name: name, description: description, legalBasis: basis ?? .contract, categories: categories,
            requiresConsent: requiresConsent ?? false, consentLabel: label)
    }

    /// The keys a retention rule may have.
    static let retentionKeys = ["category", "rule", "event", "thenMaxDays", "days", "reason", "description"]

    /// Reads a retention rule: `rule` names the kind, the other keys are its parameters.
    private mutating func retentionRule(_ entries: Entries) -> RetentionRule {
        let category = identifier("category", in: entries) ?? ""
        let description = text("description", in: entries, required: false)
        var kind: RetentionRule.Kind?
        var unused: [String] = []
        switch text("rule", in: entries) {
        case "until_event":
            let event = identifier("event", in: entries)
            let days = days("thenMaxDays", in: entries)
            if let event, let days { kind = .untilEvent(event: event, thenMaxDays: days) }
            unused = ["days", "reason"]
        case "days_after_collection":
            if let days = days("days", in: entries) { kind = .daysAfterCollection(days) }
            unused = ["event", "thenMaxDays", "reason"]
        case "legal_hold":
            if let reason = text("reason", in: entries) { kind = .legalHold(reason: reason) }
            unused = ["event", "thenMaxDays", "days"]
        case let other?:
            report(
                "\(entries.place.field("rule")) is '\(other)', which is not a retention rule; use one of: "
                    + RetentionRule.Kind.names.joined(separator: ", "), at: entries.mark(of: "rule"))
        case nil:
            break
        }
        for key in unused where entries.values[key] != nil {
            report(
                "\(entries.place.field(key)) does not apply to this rule; remove it",
                at: entries.keys.first { $0.name == key }?.mark ?? entries.mark)
        }
        return RetentionRule(category: category, rule: kind ?? .daysAfterCollection(1), description: description)
    }

    /// The keys a recipient may have.
    static let recipientKeys = [
        "id", "name", "address", "role", "purpose", "receives", "serves", "requiresConsent", "consentLabel",
        "privacyPolicyURL", "transfersOutsideEEA",
    ]

    /// Reads a recipient and checks that its consent flag and label agree.
    private mutating func recipient(_ entries: Entries) -> Recipient {
        let requiresConsent = flag("requiresConsent", in: entries, default: false)
        let label = text("consentLabel", in: entries, required: false)
        let recipient = Recipient(
            id: identifier("id", in: entries) ?? "",
            name: text("name", in: entries) ?? "",
            address: text("address", in: entries, required: false),
            role: choice("role", in: entries, as: Recipient.Role.self, noun: "a recipient role") ?? .processor,
            purpose: text("purpose", in: entries) ?? "",
            receives: texts("receives", in: entries, nonEmpty: true) ?? [],
            serves: texts("serves", in: entries, required: false),
            requiresConsent: requiresConsent ?? false,
            consentLabel: label,
            privacyPolicyURL: text("privacyPolicyURL", in: entries, required: false),
            transfersOutsideEEA: flag("transfersOutsideEEA", in: entries, default: false) ?? false)
        if requiresConsent == true && label == nil && entries.values["consentLabel"].map(Self.isNull) != false {
            report(
                "\(entries.place.name) requires consent but has no 'consentLabel'; add the short text shown next "
                    + "to its checkbox", at: entries.mark)
        }
        return recipient
    }

    /// The keys a cookie may have.
    static let cookieKeys = [
        "name", "kind", "lifetimeDays", "purpose", "essential", "description", "provider", "category",
    ]

    /// The banner categories a cookie may belong to.
    static let cookieCategories = ["essential", "preferences", "analytics", "marketing"]

    /// Reads a cookie and checks its lifetime against its kind and its category against `essential`.
    private mutating func cookie(_ entries: Entries) -> CookieDeclaration {
        let name = text("name", in: entries) ?? ""
        let kind = choice("kind", in: entries, as: CookieDeclaration.Kind.self, noun: "a cookie kind")
        let hasLifetime = entries.values["lifetimeDays"].map { !Self.isNull($0) } ?? false
        var lifetime: Int?
        switch kind {
        case .persistent:
            if hasLifetime {
                lifetime = days("lifetimeDays", in: entries)
            } else {
                report(
                    "\(entries.place.name) is persistent, so it needs 'lifetimeDays' (how many days it is kept)",
                    at: entries.mark)
            }
        case .session where hasLifetime:
            report(
                "\(entries.place.name) is a session cookie, so it must not have 'lifetimeDays' (it ends when the "
                    + "browser closes); remove it or make the cookie persistent", at: entries.mark(of: "lifetimeDays"))
        default:
            break
        }
        let purpose = text("purpose", in: entries) ?? ""
        let essential = flag("essential", in: entries)
        let category = text("category", in: entries)
        if let category, !Self.cookieCategories.contains(category) {
            report(
                "\(entries.place.field("category")) is '\(category)', which is not a banner category; use one of: "
                    + Self.cookieCategories.joined(separator: ", "), at: entries.mark(of: "category"))
        } else if essential == true, let category, category != "essential" {
            report(
                "\(entries.place.name) is essential, so its category must be 'essential' (it is '\(category)')",
                at: entries.mark(of: "category"))
        } else if essential == false, category == "essential" {
            report(
                "\(entries.place.name) is not essential but its category is 'essential'; set 'essential: true' or "
                    + "choose preferences, analytics or marketing", at: entries.mark(of: "category"))
        }
        if essential == false && purpose == "essential" {
            report(
                "\(entries.place.name) is not essential but its purpose is 'essential'; name the purpose it serves",
                at: entries.mark(of: "purpose"))
        }
        return CookieDeclaration(
            name: name, kind: kind ?? .session, lifetimeDays: lifetime, purpose: purpose, essential: essential ?? true,
            description: text("description", in: entries) ?? "",
            provider: text("provider", in: entries, required: false) ?? "first-party",
            category: category ?? "essential")
    }

    /// The keys of the analytics section.
    static let analyticsKeys = ["collects", "purpose", "cookieless", "rawEventRetentionDays"]

    /// Reads the non-personal analytics declaration.
    private mutating func analytics(_ entries: Entries) -> AnalyticsDeclaration? {
        let collects = texts("collects", in: entries, nonEmpty: true)
        let purpose = text("purpose", in: entries)
        let cookieless = flag("cookieless", in: entries)
        let days = days("rawEventRetentionDays", in: entries)
        guard let collects, let purpose, let cookieless, let days else { return nil }
        return AnalyticsDeclaration(
            collects: collects, purpose: purpose, cookieless: cookieless, rawEventRetentionDays: days)
    }

    /// The keys of the requests section.
    static let requestsKeys = ["deadlineDays", "contactEmail"]

    /// Reads how requests are answered; the deadline must be 1 to 30 days.
    private mutating func requests(_ entries: Entries) -> RequestsDeclaration? {
        var deadline = number("deadlineDays", in: entries, example: 14)
        if let days = deadline, days < 1 {
            report(
                "'requests.deadlineDays' must be at least 1 (it is \(days))", at: entries.mark(of: "deadlineDays"))
            deadline = nil
        } else if let days = deadline, days > 30 {
            report(
                "'requests.deadlineDays' is \(days), but the GDPR allows one month; use 30 or fewer",
                at: entries.mark(of: "deadlineDays"))
            deadline = nil
        }
        let contact = email("contactEmail", in: entries)
        guard let deadline, let contact else { return nil }
        return RequestsDeclaration(deadlineDays: deadline, contactEmail: contact)
    }

    /// The keys of the optional mailTracking section.
    static let mailTrackingKeys = ["purpose", "category"]

    /// Reads the open and click tracking declaration (checked against the rest by ``checkMailTracking``).
    private mutating func mailTracking(_ entries: Entries) -> Parsed<MailTrackingDeclaration> {
        Parsed(
            value: MailTrackingDeclaration(
                purpose: identifier("purpose", in: entries) ?? "", category: identifier("category", in: entries) ?? ""),
            entries: entries)
    }

    /// Checks that tracking names a declared consent purpose and one of its personal categories, whose retention
    /// rule gives a number of days. Sections that could not be read are not used to judge it.
    private mutating func checkMailTracking(
        _ tracking: Parsed<MailTrackingDeclaration>, categories: [Parsed<DataCategory>]?,
        purposes: [Parsed<Purpose>]?, retention: [Parsed<RetentionRule>]?
    ) {
        let value = tracking.value
        let entries = tracking.entries
        if let purposes, !value.purpose.isEmpty {
            if let purpose = purposes.first(where: { $0.value.id == value.purpose })?.value {
                if !purpose.requiresConsent {
                    report(
                        "\(entries.place.field("purpose")) names '\(value.purpose)', which does not require consent; "
                            + "tracking needs a purpose with 'requiresConsent: true' of its own",
                        at: entries.mark(of: "purpose"))
                }
                let declared = categories?.contains { $0.value.id == value.category } ?? false
                if declared && !purpose.categories.contains(value.category) {
                    report(
                        "\(entries.place.field("category")) is '\(value.category)', which is not among the categories "
                            + "of purpose '\(value.purpose)'; add it to that purpose's 'categories'",
                        at: entries.mark(of: "category"))
                }
            } else {
                report(
                    "\(entries.place.field("purpose")) is '\(value.purpose)', which is not declared under 'purposes'; "
                        + "declare it or correct the id", at: entries.mark(of: "purpose"))
            }
        }
        guard let categories, !value.category.isEmpty else { return }
        guard let category = categories.first(where: { $0.value.id == value.category })?.value else {
            report(
                "\(entries.place.field("category")) is '\(value.category)', which is not declared under "
                    + "'categories'; declare it or correct the id", at: entries.mark(of: "category"))
            return
        }
        if !category.personal {
            report(
                "\(entries.place.field("category")) names '\(value.category)', which is not personal; open and click "
                    + "records relate to a person, so the category must be personal", at: entries.mark(of: "category"))
        }
        if let retention,
            case .legalHold(_)? = retention.first(where: { $0.value.category == value.category })?.value.rule
        {
            report(
                "\(entries.place.field("category")) names '\(value.category)', whose retention is a legal hold; "
                    + "give it a rule with a number of days (days_after_collection)", at: entries.mark(of: "category"))
        }
    }
}
