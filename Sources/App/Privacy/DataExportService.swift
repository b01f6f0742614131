import Foundation
import Policy

/// What a member downloads from "Download my data": everything Steward holds about them, with the GDPR Art. 15
/// information for each category of data. Encoded as `data.json` (snake_case keys, described by
/// `/privacy/export-schema.json`) and rendered as `data.html`.
struct DataExport: Encodable {
    struct Controller: Encodable {
        let name: String
        let address: String
        let email: String
        let privacyContact: String
    }
    struct PurposeRef: Encodable {
        let id: String
        let name: String
        let legalBasis: String
    }
    struct RecipientRef: Encodable {
        let id: String
        let name: String
        let role: String
        let why: String
        let transfersOutsideEEA: Bool

        enum CodingKeys: String, CodingKey {
            case id, name, role, why
            case transfersOutsideEEA = "transfers_outside_eea"
        }
    }
    /// One category of personal data with what Art. 15 asks to be told about it.
    struct Category: Encodable {
        let id: String
        let name: String
        let description: String
        /// How many items of this category the export holds.
        let items: Int
        let purposes: [PurposeRef]
        let recipients: [RecipientRef]
        /// How long it is kept, in plain words.
        let retention: String
        /// The date (yyyy-mm-dd) the oldest item is deleted, when it is known today.
        let retentionEnds: String?
        /// Where it came from.
        let source: String
    }
    struct Right: Encodable {
        let name: String
        let how: String
    }
    struct Profile: Encodable {
        let name: String
        let email: String
        let emailVerifiedAt: String?
        let pendingEmail: String?
        let street: String
        let postalCode: String
        let city: String
        let country: String
        let anythingElse: String
        let accountCreatedAt: String
        let password: String
    }
    struct Consent: Encodable {
        let purpose: String
        let purposeName: String
        let granted: Bool
        let how: String
        let policyVersion: Int
        let recordedAt: String
    }
    struct SecurityEntry: Encodable {
        let event: String
        let at: String
        let ipAddress: String
        let browser: String
    }
    struct Session: Encodable {
        let kind: String
        let createdAt: String
        let lastSeenAt: String?
        let expiresAt: String
    }
    struct Subscription: Encodable {
        let list: String
        let purpose: String
        let status: String
        let source: String
        let consentedAt: String?
        let confirmedAt: String?
    }
    struct Delivery: Encodable {
        let campaign: String
        let status: String
        let sentAt: String?
    }
    /// An open or a click of a campaign e-mail, recorded with the person's consent to tracking.
    struct MailEvent: Encodable {
        let campaign: String
        /// `open` or `click`.
        let kind: String
        /// The link, for a click.
        let url: String?
        let times: Int
        let firstAt: String
        let lastAt: String
    }
    struct Notification: Encodable {
        let policyVersion: Int
        let mailedAt: String?
        let acknowledgedAt: String?
    }
    struct Message: Encodable {
        let kind: String
        let subject: String
        let status: String
        let createdAt: String
        let sentAt: String?
    }
    /// A store that holds nothing linked to the person, and why.
    struct Statement: Encodable {
        let holdsDataAboutYou: Bool
        let explanation: String
    }

    let format: String
    let generatedAt: String
    let controller: Controller
    let policyVersion: Int
    let categories: [Category]
    let rights: [Right]
    let profile: Profile
    let consents: [Consent]
    let securityLog: [SecurityEntry]
    let sessions: [Session]
    let subscriptions: [Subscription]
    let subscriberTags: [String]
    let campaignDeliveries: [Delivery]
    let mailTracking: [MailEvent]
    let policyNotifications: [Notification]
    let messages: [Message]
    let analytics: Statement
    let orders: Statement
}

/// Builds the data export of a member and packs it as a ZIP (`data.json`, `data.html`, `README.txt`).
struct DataExportService: Sendable {
    static let format = "steward-export/1"

    let members: SQLMemberRepository
    let consents: SQLConsentRepository
    let repository: SQLDataExportRepository
    /// Opens and clicks of campaign e-mails.
    let tracking: SQLMailTrackingRepository
    let state: PolicyState
    let renderer: Renderer
    let audit: AuditLog
    let clock: any WallClock

    /// Everything held about the member.
    func export(memberID: String) async throws -> DataExport? {
        guard let member = try await members.find(id: memberID) else { return nil }
        return try await export(member, hasAccount: true)
    }

    /// Everything held about someone without an account who subscribed with `email`, or nil when nothing is.
    func export(subscriberEmail email: String) async throws -> (export: DataExport, subjectID: String)? {
        guard let subscriber = try await repository.subscriber(email: email) else { return nil }
        let person = Member(
            id: "", subjectID: subscriber.subjectID, email: email,
            profile: MemberProfile(name: subscriber.name, street: "", postalCode: "", city: "", country: "", extra: ""),
            passwordHash: "", emailVerifiedAt: nil, pendingEmail: nil, createdAt: subscriber.createdAt)
        return (try await export(person, hasAccount: false), subscriber.subjectID)
    }

    private func export(_ member: Member, hasAccount: Bool) async throws -> DataExport {
        let policy = state.current.policy
        let now = clock.milliseconds
        let subscriberIDs = try await repository.subscriberIDs(memberID: member.id, email: member.email)
        let security =
            hasAccount ? try await members.securityEvents(subjectID: member.subjectID, limit: Int.max).reversed() : []
        let records = try await consents.records(subjectID: member.subjectID)
        let subscriptions = try await repository.subscriptions(subscriberIDs: subscriberIDs)
        let deliveries = try await repository.deliveries(subscriberIDs: subscriberIDs)
        let notifications = hasAccount ? try await repository.notifications(memberID: member.id) : []
        let subjectIDs = Array(
            Set([member.subjectID] + (try await repository.subscriberSubjectIDs(subscriberIDs: subscriberIDs))))
        let messages = try await repository.messages(subjectIDs: subjectIDs)
        let mailEvents = try await tracking.events(subjectIDs: subjectIDs)
        let sessions = hasAccount ? try await repository.sessions(memberID: member.id, now: now) : []
        let names = Dictionary(
            (policy.purposes.map { ($0.id, $0.name) } + policy.recipients.map { ($0.id, $0.name) }),
            uniquingKeysWith: { first, _ in first })

        // How many items each category holds, and when the oldest of them was recorded.
        var items: [String: Int] = [
            "identity": member.profile.name.isEmpty ? 0 : 1, "contact": 1 + messages.count + subscriptions.count,
            "postal_address": hasAccount ? 1 : 0, "extra_information": member.profile.extra.isEmpty ? 0 : 1,
            "account_credentials": hasAccount ? 1 : 0,
            "ip_address": security.count, "consent_records": records.count,
        ]
        items["contact", default: 0] += member.pendingEmail == nil ? 0 : 1
        var oldest: [String: Int64] = ["ip_address": security.map(\.createdAt).min()].compactMapValues { $0 }
        if let category = policy.mailTracking?.category {
            items[category, default: 0] += mailEvents.count
            oldest[category] = mailEvents.map(\.firstAt).min()
        }

        let categories = policy.categories.filter(\.personal).map { category -> DataExport.Category in
            let rule = policy.retention(for: category.id)
            var ends: String?
            if case .daysAfterCollection(let days) = rule?.rule, let first = oldest[category.id] {
                ends = CivilDate.iso((first + Int64(days) * 86_400_000) / 86_400_000)
            }
            return DataExport.Category(
                id: category.id, name: category.name, description: category.description,
                items: items[category.id] ?? 0,
                purposes: policy.purposes.filter { $0.categories.contains(category.id) }.map {
                    .init(id: $0.id, name: $0.name, legalBasis: $0.legalBasis.rawValue)
                },
                recipients: policy.recipients.filter { $0.receives.contains(category.id) }.map {
                    .init(
                        id: $0.id, name: $0.name, role: $0.role.rawValue, why: $0.purpose,
                        transfersOutsideEEA: $0.transfersOutsideEEA)
                },
                retention: rule.map { rule in
                    let words = RetentionWording.describe(rule)
                    let capitalised = words.prefix(1).uppercased() + words.dropFirst() + "."
                    return capitalised + (rule.description.map { " " + $0 } ?? "")
                } ?? "Not declared.",
                retentionEnds: ends,
                source: category.id == policy.mailTracking?.category
                    ? "Recorded by this site when you opened a campaign e-mail or clicked one of its links, only "
                        + "while you consented to it." : Self.source(of: category.id))
        }

        return DataExport(
            format: Self.format, generatedAt: Self.iso(now),
            controller: .init(
                name: policy.controller.name,
                address: [
                    policy.controller.street, policy.controller.postalCode, policy.controller.city,
                    policy.controller.country,
                ].filter { !$0.isEmpty }.joined(separator: ", "),
                email: policy.controller.email, privacyContact: policy.requests.contactEmail),
            policyVersion: policy.version, categories: categories,
            rights: Self.rights(contact: policy.requests.contactEmail, deadlineDays: policy.requests.deadlineDays),
            profile: .init(
                name: member.profile.name, email: member.email, emailVerifiedAt: member.emailVerifiedAt.map(Self.iso),
                pendingEmail: member.pendingEmail, street: member.profile.street,
                postalCode: member.profile.postalCode, city: member.profile.city, country: member.profile.country,
                anythingElse: member.profile.extra, accountCreatedAt: Self.iso(member.createdAt),
                password: hasAccount
                    ? "Stored only as a bcrypt hash, which is not included: nobody can read your password."
                    : "You have no account: no password is stored. The date above is when you first subscribed."),
            consents: records.map {
                .init(
                    purpose: $0.purpose, purposeName: names[$0.purpose] ?? $0.purpose, granted: $0.granted,
                    how: PrivacyDashboardController.describe(method: $0.method), policyVersion: $0.policyVersion,
                    recordedAt: Self.iso($0.createdAt))
            },
            securityLog: security.map {
                .init(event: $0.kind, at: Self.iso($0.createdAt), ipAddress: $0.ip, browser: $0.userAgent)
            },
            sessions: sessions.map {
                .init(
                    kind: $0.kind, createdAt: Self.iso($0.createdAt), lastSeenAt: $0.lastSeenAt.map(Self.iso),
                    expiresAt: Self.iso($0.expiresAt))
            },
            subscriptions: subscriptions.map {
                .init(
                    list: $0.list, purpose: names[$0.listPurpose] ?? $0.listPurpose, status: $0.status,
                    source: $0.source, consentedAt: $0.consentedAt.map(Self.iso),
                    confirmedAt: $0.confirmedAt.map(Self.iso))
            },
            subscriberTags: try await repository.tags(subscriberIDs: subscriberIDs),
            campaignDeliveries: deliveries.map {
                .init(campaign: $0.campaign, status: $0.status, sentAt: $0.sentAt.map(Self.iso))
            },
            mailTracking: mailEvents.map {
                .init(
                    campaign: $0.campaign, kind: $0.kind, url: $0.url, times: $0.times, firstAt: Self.iso($0.firstAt),
                    lastAt: Self.iso($0.lastAt))
            },
            policyNotifications: notifications.map {
                .init(
                    policyVersion: $0.version, mailedAt: $0.mailedAt.map(Self.iso),
                    acknowledgedAt: $0.acknowledgedAt.map(Self.iso))
            },
            messages: messages.map {
                .init(
                    kind: $0.kind, subject: $0.subject, status: $0.status, createdAt: Self.iso($0.createdAt),
                    sentAt: $0.sentAt.map(Self.iso))
            },
            analytics: .init(
                holdsDataAboutYou: false,
                explanation:
                    "Our visitor statistics store no IP address, no cookie and no identifier that lasts beyond a "
                    + "day: nothing in them can be linked to you, so there is nothing to export."),
            orders: .init(
                holdsDataAboutYou: false, explanation: "This site has taken no payments from you."))
    }

    /// The export as a ZIP archive, and an audit entry saying it was downloaded.
    func archive(memberID: String, requestID: String?) async throws -> [UInt8]? {
        guard let export = try await export(memberID: memberID) else { return nil }
        guard let subjectID = try await members.subjectID(memberID: memberID) else { return nil }
        return try await archive(export, subjectID: subjectID, actor: .member(memberID), requestID: requestID)
    }

    /// The export of someone without an account, for the download link of their access request.
    func archive(subscriberEmail email: String, requestID: String?) async throws -> [UInt8]? {
        guard let (export, subjectID) = try await export(subscriberEmail: email) else { return nil }
        return try await archive(export, subjectID: subjectID, actor: .anonymous, requestID: requestID)
    }

    private func archive(_ export: DataExport, subjectID: String, actor: AuditLog.Actor, requestID: String?)
        async throws -> [UInt8]
    {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(export)
        let html = renderer.render("privacy/export", export) ?? ""
        let readme = """
            Your data from \(export.controller.name), exported on \(export.generatedAt).

            data.html  everything we hold about you, to read in a browser
            data.json  the same, for other programs (format \(Self.format); the JSON Schema is published at
                       /privacy/export-schema.json on our site)

            Questions: \(export.controller.privacyContact)

            """
        var zip = ZipArchive(modified: clock.milliseconds)
        zip.add("README.txt", Array(readme.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        zip.add("data.json", Array(json))
        zip.add("data.html", Array(html.utf8))
        try await audit.record(
            "privacy.export", actor: actor, subject: subjectID, requestID: requestID, details: ["format": Self.format])
        return zip.bytes()
    }

    /// RFC 3339 in UTC, to the second ("2026-12-06T04:09:28Z"), without a date formatter (exports format
    /// thousands of times).
    static func iso(_ milliseconds: Int64) -> String {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let day = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let time = seconds - day * 86_400
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return CivilDate.iso(day) + "T" + two(time / 3600) + ":" + two(time % 3600 / 60) + ":" + two(time % 60) + "Z"
    }

    /// Where each category of data comes from (Art. 15(1)(g)).
    static func source(of category: String) -> String {
        switch category {
        case "identity", "contact", "postal_address", "extra_information", "account_credentials":
            "You, when you registered, subscribed or changed your account."
        case "ip_address": "Recorded by this site when you signed in or changed your account."
        case "consent_records": "Your own choices on this site."
        case "payment": "You and PayPal, when you paid."
        default: "You."
        }
    }

    /// The person's rights and how to use them (Art. 15(1)(e) and (f)).
    static func rights(contact: String, deadlineDays: Int) -> [DataExport.Right] {
        [
            .init(name: "Access", how: "This export; download it again at any time from Privacy & consents."),
            .init(name: "Rectification", how: "Correct your details on your account page."),
            .init(
                name: "Erasure", how: "Delete your account from your account page: your data key is destroyed first."),
            .init(
                name: "Restriction and objection",
                how:
                    "Withdraw any consent on Privacy & consents, or write to \(contact); we answer within \(deadlineDays) days."
            ),
            .init(name: "Portability", how: "data.json in this export is machine-readable."),
            .init(
                name: "Withdraw consent", how: "One click per consent on Privacy & consents; it takes effect at once."),
            .init(name: "Complaint", how: "You may complain to your data protection supervisory authority."),
        ]
    }
}
