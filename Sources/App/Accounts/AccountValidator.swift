import Foundation

/// Checks what people type into account forms; every message names what is wrong in plain words.
struct AccountValidator: Sendable {
    let passwordPolicy: PasswordPolicy

    /// Problems with the profile fields, keyed by field name.
    func problems(with profile: MemberProfile) -> [String: String] {
        var problems: [String: String] = [:]
        check(profile.name, "name", label: "your full name", max: 200, into: &problems)
        check(profile.street, "street", label: "the street and number", max: 200, into: &problems)
        check(profile.postalCode, "postalCode", label: "the postal code", max: 20, into: &problems)
        check(profile.city, "city", label: "the city", max: 100, into: &problems)
        check(profile.country, "country", label: "the country", max: 100, into: &problems)
        if profile.extra.count > 2000 {
            problems["extra"] = "Keep this under 2,000 characters (it has \(profile.extra.count))."
        }
        return problems
    }

    /// The problem with an e-mail address, or nil.
    func problem(withEmail email: String) -> String? {
        if email.isEmpty { return "Enter your e-mail address." }
        if email.count > 254 { return "An e-mail address has at most 254 characters." }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let valid =
            parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
            && !parts[1].hasSuffix(".")
            && !email.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0.isNewline })
        return valid ? nil : "Enter an e-mail address like name@example.com."
    }

    /// The problem with a new password, or nil.
    func problem(withPassword password: String) -> String? {
        if password.isEmpty { return "Choose a password." }
        if password.utf8.count > 4096 { return "Use at most 4,096 bytes." }
        return passwordPolicy.problem(with: password)
    }

    private func check(_ value: String, _ field: String, label: String, max: Int, into problems: inout [String: String])
    {
        if value.isEmpty {
            problems[field] = "Enter \(label)."
        } else if value.count > max {
            problems[field] = "Use at most \(max) characters."
        } else if value.contains(where: { $0.isNewline || $0 == "\0" }) {
            problems[field] = "Use a single line."
        }
    }
}
