import Foundation
import Policy
import SQLKit
import Storage

/// `steward breach report`: who had which categories of data stored in a time window, the 72-hour deadline to tell
/// the supervisory authority (GDPR Art. 33), and draft notifications to the authority and to the people (Art. 34).
struct BreachReport: Sendable {
    let database: Database
    let keyring: Keyring
    let state: PolicyState
    let audit: AuditLog
    let clock: any WallClock

    /// One person affected.
    struct Person: Sendable {
        let subjectID: String
        /// Opened only when contacts were asked for.
        let email: String?
        let categories: Set<String>
    }

    /// Everyone whose data Steward held during `since..<until` (milliseconds), with the categories held.
    func people(since: Int64, until: Int64, withContacts: Bool) async throws -> [Person] {
        var categories: [String: Set<String>] = [:]
        var emails: [String: String] = [:]
        // Members whose account existed during the window.
        let members = try await database.sql.raw(
            """
            SELECT subject_id, email_enc, extra_enc FROM members WHERE created_at < \(bind: until)
            """
        ).all()
        for row in members {
            let subject = try row.decode(column: "subject_id", as: String.self)
            var held: Set<String> = ["identity", "contact", "postal_address", "account_credentials"]
            if try row.decode(column: "extra_enc", as: Data?.self) != nil { held.insert("extra_information") }
            categories[subject, default: []].formUnion(held)
            if withContacts, let key = try await keyring.key(for: subject) {
                emails[subject] = try key.openColumn(
                    try row.decode(column: "email_enc", as: Data.self), "members.email_enc")
            }
        }
        // Subscribers without an account.
        let subscribers = try await database.sql.raw(
            """
            SELECT subject_id, email_enc FROM subscribers WHERE member_id IS NULL AND created_at < \(bind: until)
            """
        ).all()
        for row in subscribers {
            let subject = try row.decode(column: "subject_id", as: String.self)
            categories[subject, default: []].formUnion(["identity", "contact"])
            if withContacts, let key = try await keyring.key(for: subject) {
                emails[subject] = try key.openColumn(
                    try row.decode(column: "email_enc", as: Data.self), "subscribers.email_enc")
            }
        }
        // IP addresses held: security-log lines recorded before the window ended and not yet deleted.
        for row in try await database.sql.raw(
            "SELECT DISTINCT subject_id FROM security_events WHERE created_at < \(bind: until)"
        ).all() {
            categories[try row.decode(column: "subject_id", as: String.self), default: []].insert("ip_address")
        }
        for row in try await database.sql.raw(
            "SELECT DISTINCT subject_id FROM consent_records WHERE created_at < \(bind: until)"
        ).all() {
            categories[try row.decode(column: "subject_id", as: String.self), default: []].insert("consent_records")
        }
        return categories.map { Person(subjectID: $0.key, email: emails[$0.key], categories: $0.value) }
            .sorted { $0.subjectID < $1.subjectID }
    }

    /// The report as Markdown; records that it was made in the audit log.
    func markdown(since: Int64, until: Int64, discoveredAt: Int64, withContacts: Bool) async throws -> String {
        let policy = state.current.policy
        let people = try await people(since: since, until: until, withContacts: withContacts)
        var perCategory: [String: Int] = [:]
        for person in people { for category in person.categories { perCategory[category, default: 0] += 1 } }
        let deadline = discoveredAt + 72 * 3_600_000
        let iso = DataExportService.iso
        let names = Dictionary(uniqueKeysWithValues: policy.categories.map { ($0.id, $0.name) })
        let categoryLines = perCategory.sorted { $0.key < $1.key }.map {
            "| \(names[$0.key] ?? $0.key) | \($0.value) |"
        }
        let recipients = policy.recipients.map {
            "- \($0.name) (\($0.role.rawValue)): receives \($0.receives.compactMap { names[$0] }.joined(separator: ", "))"
        }
        let listed = people.map { person in
            "| `\(person.subjectID)` | \(person.email ?? "–") | \(person.categories.sorted().compactMap { names[$0] }.joined(separator: ", ")) |"
        }
        try await audit.record(
            "breach.report", actor: .system, subject: nil, requestID: nil,
            details: [
                "since": iso(since), "until": iso(until), "people": String(people.count),
                "contacts": withContacts ? "yes" : "no",
            ])
        let controller = policy.controller
        return """
            # Personal data breach report

            - Window examined: \(iso(since)) to \(iso(until))
            - Breach discovered: \(iso(discoveredAt))
            - **Deadline to notify the supervisory authority: \(iso(deadline))** (72 hours after discovery, GDPR Art. 33)
            - Controller: \(controller.name), \(controller.street), \(controller.postalCode) \(controller.city), \(controller.country) — \(policy.requests.contactEmail)
            - People whose data was held in the window: **\(people.count)**

            ## Categories of personal data held

            | Category | People |
            |---|---|
            \(categoryLines.joined(separator: "\n"))

            Stored encrypted at rest: names, addresses, e-mail addresses, IP addresses and free text are sealed with
            each person's own key (AES-256-GCM), wrapped by the master key; passwords are bcrypt hashes. Whether the
            breach exposed readable data depends on whether the master key was exposed too: say so below.

            ## Recipients that receive personal data

            \(recipients.joined(separator: "\n"))

            ## Draft notification to the supervisory authority (Art. 33(3))

            > On \(iso(discoveredAt)) \(controller.name) became aware of a personal data breach affecting data held
            > between \(iso(since)) and \(iso(until)). Approximately \(people.count) people are concerned; the
            > categories of data are: \(perCategory.keys.sorted().compactMap { names[$0] }.joined(separator: ", ")).
            > [Describe the nature of the breach.] [Describe the likely consequences.] [Describe the measures taken or
            > proposed, including to mitigate its possible adverse effects.] Contact: \(policy.requests.contactEmail).

            ## Draft message to the people concerned (Art. 34)

            > We are writing to tell you about a security incident at \(controller.name). Between \(iso(since)) and
            > \(iso(until)) someone may have gained access to data we hold about you: [which data]. [What happened, in
            > plain words.] [What it may mean for you, and what you can do, e.g. change your password.] [What we have
            > done.] If you have questions, write to \(policy.requests.contactEmail).

            ## People

            | Subject | E-mail | Categories |
            |---|---|---|
            \(listed.joined(separator: "\n"))

            """
    }
}
