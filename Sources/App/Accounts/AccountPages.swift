/// View models of the account pages (see Resources/templates/account).
struct FormPage {
    var fields: [String: FieldView]
    var formError: String?
    var consents: [FieldView] = []
    var next: String = ""
}

struct VerifyPage {
    let verified: Bool
    let heading: String
    let message: String
}

struct ProfilePage {
    struct SignIn {
        let time: String
        let ip: String
        let browser: String
        let event: String
    }

    var fields: [String: FieldView]
    var formError: String?
    let email: String
    let pendingEmail: String?
    let memberSince: String
    let signIns: [SignIn]
}

struct EmailPage {
    var fields: [String: FieldView]
    var formError: String?
    let pendingEmail: String?
}

struct ResetPage {
    var fields: [String: FieldView]
    var formError: String?
    let sent: Bool
}

struct ResetConfirmPage {
    var fields: [String: FieldView]
    var formError: String?
    let token: String
    let invalid: Bool
}

/// The profile fields with their labels, shared by registration and the profile page.
enum ProfileFields {
    static func make(_ profile: MemberProfile, errors: [String: String]) -> [String: FieldView] {
        [
            "name": FieldView(
                "name", label: "Full name", value: profile.name, error: errors["name"], autocomplete: "name",
                maxlength: 200),
            "street": FieldView(
                "street", label: "Street and number", value: profile.street, error: errors["street"],
                autocomplete: "street-address", maxlength: 200),
            "postalCode": FieldView(
                "postalCode", label: "Postal code", value: profile.postalCode, error: errors["postalCode"],
                autocomplete: "postal-code", maxlength: 20),
            "city": FieldView(
                "city", label: "City", value: profile.city, error: errors["city"], autocomplete: "address-level2",
                maxlength: 100),
            "country": FieldView(
                "country", label: "Country", value: profile.country, error: errors["country"],
                autocomplete: "country-name", maxlength: 100),
            "extra": FieldView(
                "extra", label: "Anything else you want us to know (optional)", type: "textarea", value: profile.extra,
                error: errors["extra"], required: false, maxlength: 2000),
        ]
    }

    static func read(_ form: FormData) -> MemberProfile {
        MemberProfile(
            name: form.text("name"), street: form.text("street"), postalCode: form.text("postalCode"),
            city: form.text("city"), country: form.text("country"), extra: form.text("extra"))
    }
}

/// A short browser description from a user-agent string ("Firefox on Linux").
enum BrowserName {
    static func describe(_ userAgent: String) -> String {
        let browser: String
        if userAgent.contains("Edg/") {
            browser = "Edge"
        } else if userAgent.contains("Firefox/") {
            browser = "Firefox"
        } else if userAgent.contains("Chrome/") || userAgent.contains("Chromium/") {
            browser = userAgent.contains("HeadlessChrome") ? "Headless Chrome" : "Chrome"
        } else if userAgent.contains("Safari/") {
            browser = "Safari"
        } else if userAgent.isEmpty {
            return "Unknown browser"
        } else {
            browser = String(userAgent.prefix(40))
        }
        let system: String?
        if userAgent.contains("Android") {
            system = "Android"
        } else if userAgent.contains("iPhone") || userAgent.contains("iPad") {
            system = "iOS"
        } else if userAgent.contains("Windows") {
            system = "Windows"
        } else if userAgent.contains("Mac OS X") || userAgent.contains("Macintosh") {
            system = "macOS"
        } else if userAgent.contains("Linux") {
            system = "Linux"
        } else {
            system = nil
        }
        return system.map { "\(browser) on \($0)" } ?? browser
    }
}
