import Foundation

/// Steward's plain-language phrases, shared by the policy page, the change notices and the record of processing.
enum Wording {
    /// "1 day", "30 days".
    static func days(_ count: Int) -> String {
        count == 1 ? "1 day" : "\(count) days"
    }

    /// Joins phrases as people write them: "a", "a and b", "a, b and c".
    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: ""
        case 1: items[0]
        default: items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
        }
    }

    /// The text with a full stop added when it does not end a sentence already.
    static func sentence(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let last = trimmed.last else { return trimmed }
        return ".!?".contains(last) ? trimmed : trimmed + "."
    }

    /// The text with a lowercase first letter, unless it starts an abbreviation ("IP address" stays).
    static func lowercasedStart(_ text: String) -> String {
        let characters = Array(text)
        guard let first = characters.first, first.isUppercase else { return text }
        if characters.count > 1 && characters[1].isUppercase { return text }
        return first.lowercased() + String(characters.dropFirst())
    }

    /// The text with an uppercase first letter.
    static func capitalizedStart(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }

    /// The legal basis as a visitor would say it: "your consent".
    static func basis(_ basis: LegalBasis) -> String {
        switch basis {
        case .consent: "your consent"
        case .contract: "our agreement with you"
        case .legitimateInterest: "our legitimate interest"
        case .legalObligation: "a legal obligation"
        }
    }

    /// The legal basis as the GDPR names it, for the record of processing.
    static func formalBasis(_ basis: LegalBasis) -> String {
        switch basis {
        case .consent: "Consent (GDPR Art. 6(1)(a))"
        case .contract: "Contract (GDPR Art. 6(1)(b))"
        case .legitimateInterest: "Legitimate interest (GDPR Art. 6(1)(f))"
        case .legalObligation: "Legal obligation (GDPR Art. 6(1)(c))"
        }
    }

    /// Whether and how a person can say no to a purpose.
    static func choice(for purpose: Purpose) -> String {
        let optional = "We do this only if you agree, and you can withdraw your consent at any time."
        // A purpose may ask for consent even where another basis would do; then it is optional all the same.
        if purpose.requiresConsent { return optional }
        switch purpose.legalBasis {
        case .consent:
            return optional
        case .contract:
            return "We need this to provide what you asked for, so you cannot turn it off while you use that service."
        case .legitimateInterest:
            return "You can object to this at any time; we will then stop unless we have compelling reasons."
        case .legalObligation:
            return "The law requires this, so you cannot opt out."
        }
    }

    /// A recipient's role in plain words.
    static func role(_ role: Recipient.Role) -> String {
        switch role {
        case .processor: "processor, acting only on our instructions and under a contract with us"
        case .controller:
            "independent controller, deciding for itself how to use the data, under its own privacy policy"
        case .thirdParty: "third party, a separate company using the data under its own privacy policy"
        }
    }

    /// What happens before a deletion deadline starts: "you unsubscribe", "you close your account".
    static func event(_ event: String) -> String {
        switch event {
        case "unsubscribe": "you unsubscribe"
        case "account_closure": "you close your account"
        case "consent_withdrawal": "you withdraw your consent"
        default: event.replacingOccurrences(of: "_", with: " ")
        }
    }

    /// A retention rule as a phrase that completes "kept …".
    static func retention(_ rule: RetentionRule.Kind) -> String {
        switch rule {
        case .untilEvent(let event, let days):
            "until \(Self.event(event)), then at most \(Self.days(days))"
        case .daysAfterCollection(let days):
            "for \(Self.days(days)) after we record it"
        case .legalHold(let reason):
            "as long as the law requires (\(reason.trimmingCharacters(in: CharacterSet(charactersIn: "."))))"
        }
    }

    /// "2017-03-13" as "13 March 2017"; other text unchanged.
    static func longDate(_ date: String) -> String {
        let months = [
            "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December",
        ]
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]) else { return date }
        return "\(parts[2]) \(months[parts[1] - 1]) \(parts[0])"
    }

    /// Category names for ids, lowercased for use inside a sentence; unknown ids are shown as they are.
    static func categoryNames(_ ids: [String], in policy: PrivacyPolicy) -> [String] {
        ids.map { id in policy.category(id).map { lowercasedStart($0.name) } ?? id }
    }
}
