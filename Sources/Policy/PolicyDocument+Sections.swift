extension PolicyDocument {
    /// The controller's postal address on one line.
    private static func address(_ controller: Controller) -> String {
        "\(controller.street), \(controller.postalCode) \(controller.city), \(controller.country)"
    }

    /// Who is responsible and how to reach them.
    static func whoWeAre(_ policy: PrivacyPolicy) -> Section {
        let controller = policy.controller
        var contact = "For anything about your privacy, write to \(controller.email)."
        if let website = controller.website {
            contact += " Our website is \(website)."
        }
        return Section(
            id: "who-we-are", heading: "Who we are",
            paragraphs: [
                "\(controller.name) is responsible for the personal data collected through this website: in the "
                    + "words of the GDPR, the EU's General Data Protection Regulation, we are its \"controller\".",
                "Our address is \(address(controller)).",
                contact,
            ])
    }

    /// The personal categories.
    static func whatWeCollect(_ policy: PrivacyPolicy) -> Section {
        let items = policy.categories.filter(\.personal).map { category in
            var item = "\(category.name): \(Wording.sentence(category.description))"
            if !category.examples.isEmpty {
                item += " For example: \(Wording.list(category.examples))."
            }
            return item
        }
        return Section(
            id: "what-we-collect", heading: "What we collect",
            paragraphs: [
                "We collect only what we need for the purposes described in this policy. Depending on how you use "
                    + "the site, this can include:"
            ],
            items: items)
    }

    /// Each purpose with its legal basis and whether one can say no.
    static func why(_ policy: PrivacyPolicy) -> Section {
        let items = policy.purposes.map { purpose in
            let categories = Wording.list(Wording.categoryNames(purpose.categories, in: policy))
            return "\(purpose.name): \(Wording.sentence(purpose.description)) It uses your \(categories). "
                + "Legal basis: \(Wording.basis(purpose.legalBasis)). \(Wording.choice(for: purpose))"
        }
        return Section(
            id: "why", heading: "Why we use it",
            paragraphs: [
                "We use your data only for the purposes below. For each one we name the legal basis the GDPR gives "
                    + "us, and say whether you can refuse."
            ],
            items: items)
    }

    /// The non-personal visitor statistics.
    static func analytics(_ policy: PrivacyPolicy) -> Section {
        let analytics = policy.analytics
        var paragraphs = [
            Wording.sentence(analytics.purpose),
            "For that, we record \(Wording.list(analytics.collects)). None of this identifies you.",
        ]
        if analytics.cookieless {
            paragraphs.append("We collect these statistics without setting any cookie.")
        }
        paragraphs.append(
            "We delete the individual records after \(Wording.days(analytics.rawEventRetentionDays)) and keep only "
                + "the totals.")
        return Section(id: "analytics", heading: "Visitor statistics", paragraphs: paragraphs)
    }

    /// Who receives data, what and why.
    static func sharing(_ policy: PrivacyPolicy) -> Section {
        guard !policy.recipients.isEmpty else {
            return Section(
                id: "sharing", heading: "Who we share it with",
                paragraphs: ["We do not share your personal data with anyone, unless the law requires us to."])
        }
        let items = policy.recipients.map { recipient in
            var item = recipient.name
            if let address = recipient.address { item += ", \(address)" }
            item += ". \(Wording.sentence(recipient.purpose))"
            item += " Data shared: your \(Wording.list(Wording.categoryNames(recipient.receives, in: policy)))."
            item += " Role: \(Wording.role(recipient.role))."
            if recipient.requiresConsent {
                item += " Only if you agree; you can withdraw that consent at any time."
            }
            if recipient.transfersOutsideEEA {
                item +=
                    " Your data may be transferred outside the European Economic Area, with the safeguards "
                    + "the GDPR requires for such transfers."
            }
            if let url = recipient.privacyPolicyURL { item += " Privacy policy: \(url)" }
            return item
        }
        return Section(
            id: "sharing", heading: "Who we share it with",
            paragraphs: [
                "We share personal data only with the recipients below, and only the data each of them needs.",
                "We do not otherwise share your data, unless the law requires us to.",
            ],
            items: items)
    }

    /// How long each personal category is kept.
    static func retention(_ policy: PrivacyPolicy) -> Section {
        let items = policy.categories.filter(\.personal).compactMap { category -> String? in
            guard let rule = policy.retention(for: category.id) else { return nil }
            var item = "\(category.name): kept \(Wording.retention(rule.rule))."
            if let description = rule.description { item += " \(Wording.sentence(description))" }
            return item
        }
        return Section(
            id: "retention", heading: "How long we keep it",
            paragraphs: ["We keep your data only as long as we need it. When the period below ends, we delete it."],
            items: items)
    }

    /// The data subject's rights and how to use them.
    static func rights(_ policy: PrivacyPolicy) -> Section {
        let requests = policy.requests
        return Section(
            id: "your-rights", heading: "Your rights",
            paragraphs: [
                "The GDPR gives you the rights below. To use any of them, fill in the form at /privacy/request or "
                    + "write to \(requests.contactEmail). We answer within \(Wording.days(requests.deadlineDays)) of "
                    + "receiving your request.",
                "If you have an account, you can also change your consents at any time in your account settings.",
            ],
            items: [
                "Access: ask what data we hold about you and get a copy of it.",
                "Correction: have data about you corrected when it is wrong or incomplete.",
                "Deletion: have your data deleted, unless the law requires us to keep it.",
                "Portability: receive the data you gave us in a structured, machine-readable format, to take it "
                    + "elsewhere.",
                "Objection: object to any use of your data that rests on our legitimate interest.",
                "Restriction: ask us to pause using your data while a question about it is being settled.",
                "Withdrawing consent: withdraw any consent at any time, as easily as you gave it. This does not "
                    + "affect what we did before you withdrew it.",
                "Complaint: complain to a data protection authority, in particular in the country where you live "
                    + "or work.",
            ])
    }

    /// Cookies explained, with the list and a pointer to /cookies.
    static func cookies(_ policy: PrivacyPolicy) -> Section {
        var paragraphs = [
            "A cookie is a small file a website stores in your browser. A session cookie is deleted when you close "
                + "your browser; a persistent cookie stays until it expires or you delete it."
        ]
        if policy.cookies.contains(where: \.essential) {
            paragraphs.append("We set essential cookies, which the site cannot work without, without asking you.")
        }
        if policy.cookies.contains(where: { !$0.essential }) {
            paragraphs.append(
                "We set any other cookie only if you allow it. You can see and change your choice at any time at "
                    + "/cookies.")
        } else {
            paragraphs.append("We set no other cookies. The full list is also at /cookies.")
        }
        let items = policy.cookies.map { cookie in
            var item = "\(cookie.name): \(Wording.sentence(cookie.description)) "
            if cookie.kind == .persistent, let days = cookie.lifetimeDays {
                item += "Kept for \(Wording.days(days))"
            } else {
                item += "Deleted when you close your browser"
            }
            item += cookie.essential ? "; essential." : "; set only if you allow \(cookie.category) cookies."
            if cookie.provider != "first-party" {
                item += " Set by \(policy.recipient(cookie.provider)?.name ?? cookie.provider)."
            }
            return item
        }
        return Section(id: "cookies", heading: "Cookies", paragraphs: paragraphs, items: items)
    }

    /// The security measures.
    static func security(_ policy: PrivacyPolicy) -> Section {
        Section(
            id: "security", heading: "How we protect it",
            paragraphs: ["We protect your data with technical and organisational measures, including:"],
            items: policy.security.map { Wording.sentence(Wording.capitalizedStart($0)) })
    }

    /// How amendments are announced.
    static func changes(_ policy: PrivacyPolicy) -> Section {
        Section(
            id: "changes", heading: "Changes to this policy",
            paragraphs: [
                "This is version \(policy.version) of our privacy policy, in force since "
                    + "\(Wording.longDate(policy.date)).",
                "When we change it, we publish the new version on this page and tell members what changed, with a "
                    + "message when they sign in and by e-mail. Earlier versions stay available at /privacy/versions.",
                "If a change affects something you agreed to, we ask for your consent again, and we stop that use of "
                    + "your data until you give it.",
            ])
    }

    /// Where to write.
    static func contact(_ policy: PrivacyPolicy) -> Section {
        let controller = policy.controller
        var text = "Questions about this policy or about your data? Write to \(controller.email)"
        if policy.requests.contactEmail != controller.email {
            text += " (for requests about your data: \(policy.requests.contactEmail))"
        }
        text += ", or by post to \(controller.name), \(address(controller))."
        return Section(id: "contact", heading: "Contact", paragraphs: [text])
    }
}
