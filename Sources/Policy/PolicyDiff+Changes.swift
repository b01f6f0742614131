import Foundation

extension PolicyDiff {
    /// A changed item's change: "<subject>: part; part.", or nil when there are no parts.
    private static func changed(_ section: Change.Section, _ id: String, _ subject: String, _ parts: [String])
        -> Change?
    {
        guard !parts.isEmpty else { return nil }
        return Change(
            kind: .changed, section: section, id: id, summary: "\(subject): \(parts.joined(separator: "; ")).")
    }

    /// Text without its final full stop, to quote inside a sentence.
    private static func clause(_ text: String) -> String {
        var text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Phrases for ids that were added to or removed from a list of categories.
    private static func categoryParts(
        old: [String], new: [String], oldPolicy: PrivacyPolicy, newPolicy: PrivacyPolicy, added: String,
        removed: String
    ) -> [String] {
        var parts: [String] = []
        let gained = new.filter { !old.contains($0) }
        let lost = old.filter { !new.contains($0) }
        if !gained.isEmpty {
            parts.append("\(added) \(Wording.list(Wording.categoryNames(gained, in: newPolicy)))")
        }
        if !lost.isEmpty {
            parts.append("\(removed) \(Wording.list(Wording.categoryNames(lost, in: oldPolicy)))")
        }
        return parts
    }

    /// Purposes added, changed (name, description, basis, categories, consent, checkbox text) or removed.
    static func purposeChanges(_ old: PrivacyPolicy, _ new: PrivacyPolicy) -> [Change] {
        compare(
            old.purposes, new.purposes, id: \.id,
            added: { purpose in
                var summary = "New purpose: \(purpose.name). \(Wording.sentence(purpose.description)) "
                summary += "Legal basis: \(Wording.basis(purpose.legalBasis))."
                if purpose.requiresConsent { summary += " We will do this only if you agree." }
                return Change(kind: .added, section: .purposes, id: purpose.id, summary: summary)
            },
            changed: { previous, purpose in
                var parts: [String] = []
                if previous.name != purpose.name { parts.append("renamed from \(previous.name)") }
                if previous.description != purpose.description {
                    parts.append("we now describe it as: \(clause(purpose.description))")
                }
                if previous.legalBasis != purpose.legalBasis {
                    parts.append(
                        "its legal basis is now \(Wording.basis(purpose.legalBasis)) instead of "
                            + Wording.basis(previous.legalBasis))
                }
                parts += categoryParts(
                    old: previous.categories, new: purpose.categories, oldPolicy: old, newPolicy: new,
                    added: "it now also uses your", removed: "it no longer uses your")
                if previous.requiresConsent != purpose.requiresConsent {
                    parts.append(
                        purpose.requiresConsent ? "it now needs your consent" : "it no longer asks for your consent")
                } else if purpose.requiresConsent && previous.consentLabel != purpose.consentLabel {
                    parts.append("its checkbox now reads \"\(purpose.consentLabel ?? "")\"")
                }
                return changed(.purposes, purpose.id, purpose.name, parts)
            },
            removed: {
                Change(
                    kind: .removed, section: .purposes, id: $0.id,
                    summary: "Purpose removed: \($0.name). We no longer use your data for it.")
            })
    }

    /// Categories added, changed (name, description, personal, examples) or removed.
    static func categoryChanges(_ old: PrivacyPolicy, _ new: PrivacyPolicy) -> [Change] {
        compare(
            old.categories, new.categories, id: \.id,
            added: {
                Change(
                    kind: .added, section: .categories, id: $0.id,
                    summary: "New kind of data: \($0.name). \(Wording.sentence($0.description))")
            },
            changed: { previous, category in
                var parts: [String] = []
                if previous.name != category.name { parts.append("renamed from \(previous.name)") }
                if previous.description != category.description {
                    parts.append("we now describe it as: \(clause(category.description))")
                }
                if previous.personal != category.personal {
                    parts.append(
                        category.personal
                            ? "we now treat it as personal data" : "we no longer treat it as personal data")
                }
                if previous.examples != category.examples {
                    parts.append(
                        category.examples.isEmpty
                            ? "we no longer list examples" : "examples: \(Wording.list(category.examples))")
                }
                return changed(.categories, category.id, category.name, parts)
            },
            removed: {
                Change(
                    kind: .removed, section: .categories, id: $0.id,
                    summary: "Kind of data removed: \($0.name). We no longer collect it.")
            })
    }

    /// Retention rules added, changed or removed, named by their category.
    static func retentionChanges(_ old: PrivacyPolicy, _ new: PrivacyPolicy) -> [Change] {
        func name(_ id: String) -> String { new.category(id)?.name ?? old.category(id)?.name ?? id }
        return compare(
            old.retention, new.retention, id: \.category,
            added: {
                Change(
                    kind: .added, section: .retention, id: $0.category,
                    summary: "\(name($0.category)): now kept \(Wording.retention($0.rule)).")
            },
            changed: { previous, rule in
                let summary: String
                switch (previous.rule, rule.rule) {
                case (let before, let after) where before == after:
                    guard previous.description != rule.description else { return nil }
                    summary = "\(name(rule.category)): we changed how we explain how long it is kept."
                case (.daysAfterCollection(let before), .daysAfterCollection(let after)):
                    summary = "\(name(rule.category)): now kept for \(Wording.days(after)) instead of \(before)."
                default:
                    summary =
                        "\(name(rule.category)): now kept \(Wording.retention(rule.rule)) instead of "
                        + "\(Wording.retention(previous.rule))."
                }
                return Change(kind: .changed, section: .retention, id: rule.category, summary: summary)
            },
            removed: {
                Change(
                    kind: .removed, section: .retention, id: $0.category,
                    summary: "\(name($0.category)): the retention rule was removed.")
            })
    }

    /// The purposes a recipient's `serves` names, by name.
    private static func servedNames(_ ids: [String], in policy: PrivacyPolicy) -> [String] {
        ids.map { policy.purpose($0)?.name ?? $0 }
    }

    /// Phrases for a change of the purposes a recipient declares it serves.
    private static func servesParts(
        _ previous: Recipient, _ recipient: Recipient, old: PrivacyPolicy, new: PrivacyPolicy
    )
        -> [String]
    {
        switch (previous.serves, recipient.serves) {
        case (let before?, let after?):
            var parts: [String] = []
            let gained = after.filter { !before.contains($0) }
            let lost = before.filter { !after.contains($0) }
            if !gained.isEmpty {
                parts.append("it now also receives data for \(Wording.list(servedNames(gained, in: new)))")
            }
            if !lost.isEmpty {
                parts.append("it no longer receives data for \(Wording.list(servedNames(lost, in: old)))")
            }
            return parts
        case (nil, let after?):
            return after.isEmpty
                ? ["it now receives data for none of our purposes"]
                : ["it now receives data only for \(Wording.list(servedNames(after, in: new)))"]
        case (_?, nil):
            return ["it now receives data for every purpose that uses the data it receives"]
        case (nil, nil):
            return []
        }
    }

    /// Recipients added, changed (every field) or removed.
    static func recipientChanges(_ old: PrivacyPolicy, _ new: PrivacyPolicy) -> [Change] {
        compare(
            old.recipients, new.recipients, id: \.id,
            added: { recipient in
                var summary = "New recipient: \(recipient.name). \(Wording.sentence(recipient.purpose)) "
                summary += "It receives your \(Wording.list(Wording.categoryNames(recipient.receives, in: new)))."
                if recipient.requiresConsent { summary += " We will share your data with it only if you agree." }
                return Change(kind: .added, section: .recipients, id: recipient.id, summary: summary)
            },
            changed: { previous, recipient in
                var parts: [String] = []
                if previous.name != recipient.name { parts.append("renamed from \(previous.name)") }
                if previous.address != recipient.address {
                    parts.append(
                        recipient.address.map { "its address is now \($0)" } ?? "we no longer list its address")
                }
                if previous.role != recipient.role { parts.append("its role is now: \(Wording.role(recipient.role))") }
                if previous.purpose != recipient.purpose {
                    parts.append("we now describe why it receives data as: \(clause(recipient.purpose))")
                }
                parts += categoryParts(
                    old: previous.receives, new: recipient.receives, oldPolicy: old, newPolicy: new,
                    added: "it now also receives your", removed: "it no longer receives your")
                parts += servesParts(previous, recipient, old: old, new: new)
                if previous.requiresConsent != recipient.requiresConsent {
                    parts.append(
                        recipient.requiresConsent
                            ? "we now share data with it only if you agree"
                            : "sharing with it no longer asks for your consent")
                } else if recipient.requiresConsent && previous.consentLabel != recipient.consentLabel {
                    parts.append("its checkbox now reads \"\(recipient.consentLabel ?? "")\"")
                }
                if previous.transfersOutsideEEA != recipient.transfersOutsideEEA {
                    parts.append(
                        recipient.transfersOutsideEEA
                            ? "your data may now be transferred outside the European Economic Area"
                            : "your data is no longer transferred outside the European Economic Area")
                }
                if previous.privacyPolicyURL != recipient.privacyPolicyURL {
                    parts.append(
                        recipient.privacyPolicyURL.map { "its privacy policy is now at \($0)" }
                            ?? "we no longer link its privacy policy")
                }
                return changed(.recipients, recipient.id, recipient.name, parts)
            },
            removed: {
                Change(
                    kind: .removed, section: .recipients, id: $0.id, summary: "We no longer share data with \($0.name)."
                )
            })
    }

    /// A cookie's lifetime as a phrase: "kept for 30 days", "deleted when you close your browser".
    private static func lifetime(_ cookie: CookieDeclaration) -> String {
        if cookie.kind == .persistent, let days = cookie.lifetimeDays { return "kept for \(Wording.days(days))" }
        return "deleted when you close your browser"
    }

    /// Cookies added, changed (lifetime, essential, category, purpose, provider, description) or removed.
    static func cookieChanges(_ old: PrivacyPolicy, _ new: PrivacyPolicy) -> [Change] {
        compare(
            old.cookies, new.cookies, id: \.name,
            added: { cookie in
                var summary = "New cookie: \(cookie.name). \(Wording.sentence(cookie.description))"
                summary +=
                    cookie.essential ? " It is essential." : " We set it only if you allow \(cookie.category) cookies."
                return Change(kind: .added, section: .cookies, id: cookie.name, summary: summary)
            },
            changed: { previous, cookie in
                var parts: [String] = []
                switch (previous.kind, previous.lifetimeDays, cookie.kind, cookie.lifetimeDays) {
                case (.persistent, let before?, .persistent, let after?) where before != after:
                    parts.append("it is now kept for \(Wording.days(after)) instead of \(Wording.days(before))")
                case _ where lifetime(previous) != lifetime(cookie):
                    parts.append("it is now \(lifetime(cookie)) (before: \(lifetime(previous)))")
                default:
                    break
                }
                if previous.essential != cookie.essential {
                    parts.append(
                        cookie.essential
                            ? "it is now essential" : "we now set it only if you allow \(cookie.category) cookies")
                } else if previous.category != cookie.category {
                    parts.append("it now belongs to \(cookie.category) cookies instead of \(previous.category) cookies")
                }
                if previous.purpose != cookie.purpose {
                    parts.append("it now serves the purpose \(new.purpose(cookie.purpose)?.name ?? cookie.purpose)")
                }
                if previous.provider != cookie.provider {
                    let provider =
                        cookie.provider == "first-party"
                        ? "us" : new.recipient(cookie.provider)?.name ?? cookie.provider
                    parts.append("it is now set by \(provider)")
                }
                if previous.description != cookie.description {
                    parts.append("we now describe it as: \(clause(cookie.description))")
                }
                return changed(.cookies, cookie.name, "Cookie \(cookie.name)", parts)
            },
            removed: {
                Change(
                    kind: .removed, section: .cookies, id: $0.name, summary: "We no longer set the cookie \($0.name).")
            })
    }

    /// The controller's details, as at most one change.
    static func controllerChanges(_ old: PrivacyPolicy, _ new: PrivacyPolicy) -> [Change] {
        let before = old.controller
        let after = new.controller
        var parts: [String] = []
        if before.name != after.name { parts.append("the organisation responsible for your data is now \(after.name)") }
        if (before.street, before.postalCode, before.city, before.country)
            != (after.street, after.postalCode, after.city, after.country)
        {
            parts.append("our address is now \(after.street), \(after.postalCode) \(after.city), \(after.country)")
        }
        if before.email != after.email { parts.append("write to \(after.email) about your privacy") }
        if before.website != after.website {
            parts.append(after.website.map { "our website is now \($0)" } ?? "we no longer list a website")
        }
        return changed(.controller, "controller", "Our details changed", parts).map { [$0] } ?? []
    }

    /// The request deadline and contact address, one change each.
    static func requestChanges(_ old: PrivacyPolicy, _ new: PrivacyPolicy) -> [Change] {
        var changes: [Change] = []
        if old.requests.deadlineDays != new.requests.deadlineDays {
            changes.append(
                Change(
                    kind: .changed, section: .requests, id: "deadlineDays",
                    summary: "We now answer requests about your data within \(Wording.days(new.requests.deadlineDays)) "
                        + "instead of \(Wording.days(old.requests.deadlineDays))."))
        }
        if old.requests.contactEmail != new.requests.contactEmail {
            changes.append(
                Change(
                    kind: .changed, section: .requests, id: "contactEmail",
                    summary: "Requests about your data now go to \(new.requests.contactEmail)."))
        }
        return changes
    }

    /// The non-personal analytics, as at most one change.
    static func analyticsChanges(_ old: PrivacyPolicy, _ new: PrivacyPolicy) -> [Change] {
        let before = old.analytics
        let after = new.analytics
        var parts: [String] = []
        let gained = after.collects.filter { !before.collects.contains($0) }
        let lost = before.collects.filter { !after.collects.contains($0) }
        if !gained.isEmpty { parts.append("they now also record \(Wording.list(gained))") }
        if !lost.isEmpty { parts.append("they no longer record \(Wording.list(lost))") }
        if before.purpose != after.purpose { parts.append("their purpose is now: \(clause(after.purpose))") }
        if before.cookieless != after.cookieless {
            parts.append(after.cookieless ? "they no longer use any cookie" : "they now use a cookie")
        }
        if before.rawEventRetentionDays != after.rawEventRetentionDays {
            parts.append(
                "we now delete the individual records after \(Wording.days(after.rawEventRetentionDays)) instead of "
                    + Wording.days(before.rawEventRetentionDays))
        }
        return changed(.analytics, "analytics", "Our visitor statistics", parts).map { [$0] } ?? []
    }

    /// Security measures added or removed (a reworded measure is both).
    static func securityChanges(_ old: PrivacyPolicy, _ new: PrivacyPolicy) -> [Change] {
        let added = new.security.filter { !old.security.contains($0) }.map {
            Change(kind: .added, section: .security, id: $0, summary: "New security measure: \(clause($0)).")
        }
        let removed = old.security.filter { !new.security.contains($0) }.map {
            Change(
                kind: .removed, section: .security, id: $0, summary: "Security measure no longer listed: \(clause($0))."
            )
        }
        return added + removed
    }

    /// Open and click tracking of campaign e-mails declared, dropped or bound to another consent, as at most one
    /// change.
    static func mailTrackingChanges(_ old: PrivacyPolicy, _ new: PrivacyPolicy) -> [Change] {
        func consent(_ tracking: MailTrackingDeclaration) -> String {
            new.purpose(tracking.purpose)?.name ?? tracking.purpose
        }
        switch (old.mailTracking, new.mailTracking) {
        case (nil, let after?):
            return [
                Change(
                    kind: .added, section: .mailTracking, id: "mailTracking",
                    summary: "We may now record when you open our campaign e-mails and which links in them you "
                        + "follow, only if you agree to \"\(consent(after))\".")
            ]
        case (_?, nil):
            return [
                Change(
                    kind: .removed, section: .mailTracking, id: "mailTracking",
                    summary: "We no longer record when you open our campaign e-mails or which links in them you follow."
                )
            ]
        case (let before?, let after?) where before != after:
            return [
                Change(
                    kind: .changed, section: .mailTracking, id: "mailTracking",
                    summary: "Recording when you open our campaign e-mails and which links you follow now rests on "
                        + "\"\(consent(after))\".")
            ]
        default:
            return []
        }
    }
}
