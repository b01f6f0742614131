import Foundation
import Mailing
import Policy
import SMTP
import SQLKit
import Storage
import Vault

/// Staff work on campaigns: write, preview, test, schedule, send, pause, resume, cancel; and site updates.
struct CampaignService: Sendable {
    let database: Database
    let repository: SQLCampaignRepository
    let subscriptions: SubscriptionService
    let engine: CampaignEngine
    let renderer: Renderer
    let outbox: Outbox
    let audit: AuditLog
    let clock: any WallClock
    let settings: MailingSettings
    /// Opens and clicks of recipients who consented to tracking.
    let tracking: SQLMailTrackingRepository

    /// What staff typed in the campaign form.
    struct Draft: Sendable {
        var listID: String
        var subject: String
        var body: String
        var tags: [String]
        /// Off unless staff tick it; it applies only to recipients who consented to tracking.
        var trackOpens = false
        /// Off unless staff tick it; it applies only to recipients who consented to tracking.
        var trackClicks = false
    }

    /// Whether the privacy policy declares open and click tracking (without it, campaigns cannot track).
    var trackingDeclared: Bool { engine.state.current.policy.mailTracking != nil }

    // MARK: Writing

    /// Checks a draft: every problem by field, the Markdown and Mustache included.
    func problems(with draft: Draft) async throws -> [String: String] {
        var problems: [String: String] = [:]
        let subject = draft.subject.trimmingCharacters(in: .whitespaces)
        if subject.isEmpty { problems["subject"] = "Write a subject." }
        if subject.count > 200 { problems["subject"] = "Use at most 200 characters." }
        if subject.contains(where: \.isNewline) { problems["subject"] = "The subject must be one line." }
        if draft.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problems["body"] = "Write the message."
        }
        if draft.body.utf8.count > 200_000 { problems["body"] = "Use at most 200,000 bytes." }
        if try await subscriptions.repository.list(id: draft.listID) == nil { problems["listID"] = "Choose a list." }
        if draft.tags.contains(where: { $0.count > 50 }) { problems["tags"] = "An interest has at most 50 characters." }
        if (draft.trackOpens || draft.trackClicks) && !trackingDeclared {
            problems["tracking"] =
                "Open and click tracking needs a consent purpose for it in the privacy policy; this policy has none."
        }
        if problems["subject"] == nil && problems["body"] == nil {
            do {
                _ = try CampaignContent(subject: subject, markdown: draft.body, variables: CampaignComposer.variables)
            } catch {
                problems["body"] = "\(error)"
            }
        }
        return problems
    }

    /// Creates a draft.
    func create(_ draft: Draft, staffID: String, requestID: String?) async throws -> Campaign {
        let problems = try await problems(with: draft)
        guard problems.isEmpty else { throw NewsletterError.invalid(problems) }
        let now = clock.milliseconds
        let campaign = Campaign(
            id: Identifier.make(), listID: draft.listID,
            subject: draft.subject.trimmingCharacters(in: .whitespaces), body: draft.body, tags: draft.tags,
            status: .draft, trackOpens: draft.trackOpens, trackClicks: draft.trackClicks, scheduledAt: nil,
            startedAt: nil, expandedAt: nil, finishedAt: nil, recipients: 0, createdBy: staffID, siteUpdateID: nil,
            createdAt: now, updatedAt: now)
        try await database.transaction { [repository, audit] db in
            try await repository.insert(campaign, on: db)
            try await audit.record(
                "campaign.create", actor: .staff(staffID), subject: nil, requestID: requestID,
                details: ["campaign": campaign.id, "list": campaign.listID], on: db)
        }
        return campaign
    }

    /// Saves changes to a campaign that has not started.
    func update(id: String, _ draft: Draft, staffID: String, requestID: String?) async throws -> Campaign {
        guard var campaign = try await repository.find(id: id) else { throw NewsletterError.unknownCampaign }
        guard campaign.isEditable else {
            throw NewsletterError.campaignState("A campaign that has started cannot be edited.")
        }
        let problems = try await problems(with: draft)
        guard problems.isEmpty else { throw NewsletterError.invalid(problems) }
        campaign.listID = draft.listID
        campaign.subject = draft.subject.trimmingCharacters(in: .whitespaces)
        campaign.body = draft.body
        campaign.tags = draft.tags
        campaign.trackOpens = draft.trackOpens
        campaign.trackClicks = draft.trackClicks
        campaign.updatedAt = clock.milliseconds
        let updated = campaign
        try await database.transaction { [repository, audit] db in
            try await repository.update(updated, on: db)
            try await audit.record(
                "campaign.edit", actor: .staff(staffID), subject: nil, requestID: requestID,
                details: ["campaign": id], on: db)
        }
        return updated
    }

    // MARK: Previews

    /// The message as a recipient would see it, with sample values (or the staff member's own name).
    func preview(_ campaign: Campaign, name: String, email: String) async throws -> (
        subject: String, html: String, text: String
    ) {
        guard let list = try await subscriptions.repository.list(id: campaign.listID) else {
            throw NewsletterError.unknownList
        }
        let composer = try CampaignComposer(
            campaign: campaign, list: list, renderer: renderer, from: engine.from, domain: engine.domain, signer: nil,
            unsubscribeMailbox: settings.unsubscribeMailbox)
        return composer.parts(
            email: email, name: name, unsubscribeURL: engine.links.url(.unsubscribe(token: "preview")))
    }

    /// Sends the campaign to the staff member's own address through the outbox, marked as a test.
    func testSend(_ campaign: Campaign, staff: StaffMember, requestID: String?) async throws {
        let preview = try await preview(campaign, name: staff.name, email: staff.email)
        try await database.transaction { [outbox, audit] db in
            try await outbox.enqueue(
                OutgoingMail(
                    to: staff.email, name: staff.name, subject: "[Test] " + preview.subject, template: "campaign-test",
                    model: ["html": preview.html, "text": preview.text], kind: "campaign.test"),
                sealedFor: nil, on: db)
            try await audit.record(
                "campaign.test_send", actor: .staff(staff.id), subject: staff.subjectID, requestID: requestID,
                details: ["campaign": campaign.id], on: db)
        }
    }

    // MARK: Sending

    /// Schedules a draft for a time in the future.
    func schedule(id: String, at time: Int64, staffID: String, requestID: String?) async throws {
        guard time > clock.milliseconds else {
            throw NewsletterError.invalid(["scheduledAt": "Choose a time in the future."])
        }
        try await change(
            id: id, from: [.draft, .scheduled], to: .scheduled, action: "campaign.schedule", staffID: staffID,
            requestID: requestID
        ) { db in
            try await db.update("campaigns").set("scheduled_at", to: time).where("id", .equal, id).run()
        }
    }

    /// Starts sending now.
    func sendNow(id: String, staffID: String, requestID: String?) async throws {
        let now = clock.milliseconds
        try await change(
            id: id, from: [.draft, .scheduled], to: .sending, action: "campaign.start", staffID: staffID,
            requestID: requestID
        ) { db in
            try await db.update("campaigns").set("started_at", to: now).where("id", .equal, id).run()
        }
        engine.wake()
    }

    /// Pauses a scheduled or sending campaign: messages in flight finish, nothing else is sent.
    func pause(id: String, staffID: String, requestID: String?) async throws {
        try await change(
            id: id, from: [.sending, .scheduled], to: .paused, action: "campaign.pause", staffID: staffID,
            requestID: requestID)
    }

    /// Resumes a paused campaign where it stopped.
    func resume(id: String, staffID: String, requestID: String?) async throws {
        guard let campaign = try await repository.find(id: id) else { throw NewsletterError.unknownCampaign }
        let target: Campaign.Status =
            campaign.startedAt == nil && (campaign.scheduledAt ?? 0) > clock.milliseconds ? .scheduled : .sending
        let now = clock.milliseconds
        try await change(
            id: id, from: [.paused], to: target, action: "campaign.resume", staffID: staffID, requestID: requestID
        ) { db in
            if target == .sending && campaign.startedAt == nil {
                try await db.update("campaigns").set("started_at", to: now).where("id", .equal, id).run()
            }
        }
        engine.wake()
    }

    /// Cancels a campaign for good: deliveries not yet sent are dropped.
    func cancel(id: String, staffID: String, requestID: String?) async throws {
        let now = clock.milliseconds
        try await change(
            id: id, from: [.draft, .scheduled, .sending, .paused], to: .cancelled, action: "campaign.cancel",
            staffID: staffID, requestID: requestID
        ) { db in
            try await db.raw(
                """
                UPDATE deliveries SET status = 'dropped', last_error = 'campaign cancelled', updated_at = \(bind: now)
                WHERE campaign_id = \(bind: id) AND status = 'pending'
                """
            ).run()
            try await db.update("campaigns").set("finished_at", to: now).where("id", .equal, id).run()
        }
    }

    private func change(
        id: String, from: [Campaign.Status], to: Campaign.Status, action: String, staffID: String, requestID: String?,
        also: (@Sendable (any SQLDatabase) async throws -> Void)? = nil
    ) async throws {
        guard let campaign = try await repository.find(id: id) else { throw NewsletterError.unknownCampaign }
        let now = clock.milliseconds
        let changed = try await database.transaction { [repository, audit] db -> Bool in
            guard try await repository.transition(id: id, from: from, to: to, now: now, on: db) else { return false }
            try await also?(db)
            try await audit.record(
                action, actor: .staff(staffID), subject: nil, requestID: requestID, details: ["campaign": id], on: db)
            return true
        }
        guard changed else {
            throw NewsletterError.campaignState(
                "This campaign is \(campaign.status.label.lowercased()); it cannot be \(Self.verb(to)) now.")
        }
    }

    private static func verb(_ status: Campaign.Status) -> String {
        switch status {
        case .scheduled: "scheduled"
        case .sending: "sent"
        case .paused: "paused"
        case .cancelled: "cancelled"
        case .draft, .sent: "changed"
        }
    }

    // MARK: Site updates

    /// Publishes a site update: members see it at /account/notifications; the site-updates list gets it by e-mail
    /// when `mail` is set.
    func publishSiteUpdate(title: String, body: String, mail: Bool, staffID: String, requestID: String?) async throws
        -> String
    {
        var problems: [String: String] = [:]
        let title = title.trimmingCharacters(in: .whitespaces)
        if title.isEmpty { problems["title"] = "Write a title." }
        if title.count > 200 || title.contains(where: \.isNewline) {
            problems["title"] = "Use one line of at most 200 characters."
        }
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems["body"] = "Write the update." }
        if problems.isEmpty {
            do {
                _ = try CampaignContent(subject: title, markdown: body, variables: CampaignComposer.variables)
            } catch {
                problems["body"] = "\(error)"
            }
        }
        guard problems.isEmpty else { throw NewsletterError.invalid(problems) }
        let now = clock.milliseconds
        let updateID = Identifier.make()
        let hasList = try await subscriptions.repository.list(id: "site_updates") != nil
        let campaignID: String? = mail && hasList ? Identifier.make() : nil
        try await database.transaction { [repository, audit] db in
            if let campaignID {
                try await repository.insert(
                    Campaign(
                        id: campaignID, listID: "site_updates", subject: title, body: body, tags: [], status: .sending,
                        trackOpens: false, trackClicks: false, scheduledAt: nil, startedAt: now, expandedAt: nil,
                        finishedAt: nil, recipients: 0, createdBy: staffID, siteUpdateID: updateID, createdAt: now,
                        updatedAt: now),
                    on: db)
            }
            try await repository.insertSiteUpdate(
                .init(id: updateID, title: title, body: body, publishedAt: now, campaignID: campaignID),
                createdBy: staffID, now: now, on: db)
            try await audit.record(
                "site_update.publish", actor: .staff(staffID), subject: nil, requestID: requestID,
                details: ["update": updateID, "campaign": campaignID ?? ""], on: db)
        }
        if campaignID != nil { engine.wake() }
        return updateID
    }

    /// Site updates as HTML, newest first, for members.
    func siteUpdates() async throws -> [(title: String, html: String, publishedAt: Int64)] {
        try await repository.siteUpdates().map { update in
            let content = try? CampaignContent(
                subject: update.title, markdown: update.body, variables: CampaignComposer.variables)
            let html = content?.render(["site_name": renderer.site.name]).html ?? ""
            return (update.title, html, update.publishedAt)
        }
    }
}

/// A campaign as the command line lists it.
public struct CampaignSummary: Sendable {
    public let id: String
    public let subject: String
    public let listID: String
    public let status: String
    public let recipients: Int
}

/// A campaign's delivery counts, for the command line's progress bar.
public struct CampaignCounts: Sendable {
    public let status: String
    public let sent: Int
    public let pending: Int
    public let failed: Int
    public let dropped: Int
    public var total: Int { sent + pending + failed + dropped }
    public var done: Int { sent + failed + dropped }
}

/// What an import did, for the command line.
public struct ImportSummary: Sendable {
    public let committed: Bool
    public let rows: Int
    public let created: Int
    public let added: Int
    public let alreadyOnList: Int
    /// `line N, column: message` for each refused row.
    public let problems: [String]
}

extension AppServices {
    /// Every campaign, newest first.
    public func campaignSummaries() async throws -> [CampaignSummary] {
        try await campaigns.repository.all().map {
            CampaignSummary(
                id: $0.id, subject: $0.subject, listID: $0.listID, status: $0.status.rawValue,
                recipients: $0.recipients)
        }
    }

    /// Starts (or resumes) a campaign from the command line.
    /// - Throws: ``CommandError`` when the campaign does not exist or cannot be sent in its state.
    public func startCampaign(id: String) async throws {
        guard let campaign = try await campaigns.repository.find(id: id) else {
            throw CommandError("There is no campaign \(id). `steward campaign list` shows them.")
        }
        let now = clock.milliseconds
        switch campaign.status {
        case .sending:
            return
        case .draft, .scheduled, .paused:
            try await database.transaction { [campaigns, audit] db in
                try await campaigns.repository.transition(
                    id: id, from: [.draft, .scheduled, .paused], to: .sending, now: now, on: db)
                if campaign.startedAt == nil {
                    try await db.update("campaigns").set("started_at", to: now).where("id", .equal, id).run()
                }
                try await audit.record(
                    "campaign.start", actor: .system, subject: nil, requestID: nil,
                    details: ["campaign": id, "reason": "command line"], on: db)
            }
        case .sent, .cancelled:
            throw CommandError("Campaign \(id) is \(campaign.status.label.lowercased()); it cannot be sent again.")
        }
    }

    /// A campaign's counts.
    public func campaignCounts(id: String) async throws -> CampaignCounts {
        let status = try await campaigns.repository.find(id: id)?.status.rawValue ?? "unknown"
        let progress = try await campaigns.repository.progress(campaignID: id)
        return CampaignCounts(
            status: status, sent: progress.sent, pending: progress.pending, failed: progress.failed,
            dropped: progress.dropped)
    }

    /// Imports a CSV file into a list (the `subscribers import` command).
    public func importSubscribers(listID: String, csv: [UInt8], skipRefused: Bool) async throws -> ImportSummary {
        guard let list = try await subscriptions.repository.list(id: listID) else {
            throw CommandError("There is no list \(listID).")
        }
        let outcome = try await importer.run(
            csv, into: list, skipRefused: skipRefused, staffID: "command-line", requestID: nil)
        return ImportSummary(
            committed: outcome.committed, rows: outcome.rows, created: outcome.created, added: outcome.added,
            alreadyOnList: outcome.alreadyOnList,
            problems: outcome.refused.map { "line \($0.line)\($0.column.map { ", " + $0 } ?? ""): \($0.message)" })
    }

    /// Creates a draft campaign (the `campaign create` command).
    /// - Returns: The new campaign's id.
    public func createCampaign(listID: String, subject: String, markdown: String, tags: [String]) async throws
        -> String
    {
        do {
            return try await campaigns.create(
                .init(listID: listID, subject: subject, body: markdown, tags: tags.filter { !$0.isEmpty }),
                staffID: "command-line", requestID: nil
            ).id
        } catch NewsletterError.invalid(let problems) {
            throw CommandError(
                problems.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n"))
        }
    }

    /// Every list's id and name.
    public func listIDs() async throws -> [(id: String, name: String)] {
        try await subscriptions.lists().map { ($0.id, $0.name) }
    }
}

/// A command-line request that cannot be carried out, with what to do instead.
public struct CommandError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
