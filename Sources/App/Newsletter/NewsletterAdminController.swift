import Foundation
import Hummingbird
import Mailing
import Policy

/// The staff console's mailing pages: lists (import, export), campaigns (write, preview, send), site updates.
struct NewsletterAdminController: Sendable {
    let admin: AdminController
    let subscriptions: SubscriptionService
    let importer: SubscriberImporter
    let campaigns: CampaignService
    let cookies: CookieSettings
    let links: SiteLinks

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/admin/lists", use: listsPage)
        router.post("/admin/lists", use: createList)
        router.get("/admin/lists/:id", use: listPage)
        router.post("/admin/lists/:id/import", use: importCSV)
        router.get("/admin/lists/:id/export.csv", use: exportCSV)
        router.get("/admin/campaigns", use: campaignsPage)
        router.get("/admin/campaigns/new", use: newCampaign)
        router.post("/admin/campaigns", use: createCampaign)
        router.get("/admin/campaigns/:id", use: campaignPage)
        router.post("/admin/campaigns/:id", use: updateCampaign)
        router.get("/admin/campaigns/:id/preview", use: preview)
        router.get("/admin/campaigns/:id/progress", use: progress)
        router.post("/admin/campaigns/:id/:action", use: act)
        router.get("/admin/updates", use: updatesPage)
        router.post("/admin/updates", use: publishUpdate)
    }

    // MARK: View models

    struct ListRow {
        let id: String
        let name: String
        let purpose: String
        let visibility: String
        let active: Int
        let pending: Int
        let href: String
    }

    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    struct ListsPage {
        let lists: [ListRow]
        var fields: [String: FieldView]
        var formError: String?
        let purposes: [Option]
        let suppressed: Int
    }

    struct ListPage {
        struct Problem {
            let line: Int
            let column: String
            let message: String
        }
        struct Result {
            let committed: Bool
            let rows: Int
            let created: Int
            let added: Int
            let alreadyOnList: Int
            let refusedCount: Int
            let problems: [Problem]
            let moreProblems: Int
        }
        let list: ListRow
        let description: String
        let embedSnippet: String
        let subscribeURL: String
        let result: Result?
        let canExport: Bool
        let csvError: String?
    }

    struct CampaignRow {
        let id: String
        let subject: String
        let listName: String
        let status: String
        let statusLabel: String
        let recipients: Int
        let createdAt: String
        let href: String
    }

    struct CampaignsPage {
        let campaigns: [CampaignRow]
    }

    struct CampaignForm {
        let id: String?
        var fields: [String: FieldView]
        var formError: String?
        let lists: [Option]
        let listError: String?
        let trackingNote: String
        /// Whether the policy declares tracking, so the switches can be used.
        let trackingAvailable: Bool
        let trackOpens: Bool
        let trackClicks: Bool
        let trackingError: String?
        let variables: [String]
        let action: String
    }

    struct CampaignPage {
        struct Failure {
            let reason: String
            let count: Int
        }
        let id: String
        let subject: String
        let listName: String
        let status: String
        let statusLabel: String
        let tags: String
        let scheduledAt: String?
        let startedAt: String?
        let finishedAt: String?
        let progress: CampaignProgress
        let percent: Int
        let failures: [Failure]
        let canEdit: Bool
        let canSend: Bool
        let canSchedule: Bool
        let canPause: Bool
        let canResume: Bool
        let canCancel: Bool
        let isLive: Bool
        let previewHref: String
        let progressHref: String
        let editHref: String
        let previewSubject: String
        let previewText: String
        let scheduleError: String?
        /// Opens and clicks, when the campaign tracks either.
        let tracking: Tracking?

        struct Tracking {
            let opens: Bool
            let clicks: Bool
            /// Recipients who opened (among those who consented to tracking).
            let opened: Int
            /// Recipients who clicked at least one link.
            let clicked: Int
        }
    }

    struct UpdatesPage {
        struct Update {
            let title: String
            let publishedAt: String
            let campaignHref: String?
        }
        let updates: [Update]
        var fields: [String: FieldView]
        var formError: String?
        let mailChecked: Bool
    }

    // MARK: Lists

    @Sendable func listsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .lists)
        return try await renderLists(
            request, context, member: member, name: "", description: "", purpose: "", errors: [:])
    }

    @Sendable func createList(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .lists)
        let name = context.form.text("name")
        let description = context.form.text("description")
        let purpose = context.form.text("purpose")
        do {
            let list = try await subscriptions.createList(
                name: name, description: description, purpose: purpose,
                visibility: MailingList.Visibility(rawValue: context.form.text("visibility")) ?? .private,
                staffID: member.id, requestID: context.requestID)
            return redirect("/admin/lists/\(list.id)", flash: .listCreated)
        } catch NewsletterError.invalid(let errors) {
            return try await renderLists(
                request, context, member: member, name: name, description: description, purpose: purpose,
                errors: errors)
        }
    }

    private func renderLists(
        _ request: Request, _ context: AppRequestContext, member: StaffMember, name: String, description: String,
        purpose: String, errors: [String: String]
    ) async throws -> Response {
        let counts = try await subscriptions.repository.counts()
        let lists = try await subscriptions.lists().map { row($0, counts: counts) }
        let suppressed = try await subscriptions.repository.suppressionCounts().values.reduce(0, +)
        let page = ListsPage(
            lists: lists,
            fields: [
                "name": FieldView("name", label: "Name", value: name, error: errors["name"], maxlength: 100),
                "description": FieldView(
                    "description", label: "Description (shown on the subscription form)", value: description,
                    error: errors["description"], required: false, maxlength: 500),
            ],
            formError: errors.isEmpty ? nil : "The list was not created.",
            purposes: subscriptions.mailingPurposes.map {
                Option(value: $0.id, label: $0.name, selected: $0.id == purpose)
            },
            suppressed: suppressed)
        return admin.console(
            "admin/lists", title: "Mailing lists", page: .lists, member: member, request: request, context: context,
            content: page, status: errors.isEmpty ? .ok : .badRequest)
    }

    private func row(_ list: MailingList, counts: [String: (active: Int, pending: Int)]) -> ListRow {
        let purpose = subscriptions.consent.state.current.policy.purpose(list.purpose)?.name ?? list.purpose
        return ListRow(
            id: list.id, name: list.name, purpose: purpose,
            visibility: list.visibility == .public ? "Public" : "Private", active: counts[list.id]?.active ?? 0,
            pending: counts[list.id]?.pending ?? 0, href: "/admin/lists/\(list.id)")
    }

    @Sendable func listPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .lists)
        let list = try await requireList(context)
        return try await renderList(request, context, member: member, list: list, outcome: nil, csvError: nil)
    }

    private func renderList(
        _ request: Request, _ context: AppRequestContext, member: StaffMember, list: MailingList,
        outcome: ImportOutcome?, csvError: String?
    ) async throws -> Response {
        let counts = try await subscriptions.repository.counts()
        let shown = outcome.map { Array($0.refused.prefix(200)) } ?? []
        let page = ListPage(
            list: row(list, counts: counts), description: list.description,
            embedSnippet: NewsletterController.embedSnippet(
                action: links.url(.subscribe), lists: list.visibility == .public ? [list] : []),
            subscribeURL: links.url(.subscribe) + "?list=" + list.id,
            result: outcome.map { outcome in
                ListPage.Result(
                    committed: outcome.committed, rows: outcome.rows, created: outcome.created, added: outcome.added,
                    alreadyOnList: outcome.alreadyOnList, refusedCount: outcome.refusedRows,
                    problems: shown.map { .init(line: $0.line, column: $0.column ?? "", message: $0.message) },
                    moreProblems: max(0, outcome.refused.count - shown.count))
            },
            canExport: AdminPage.listExport.roles.contains(member.role), csvError: csvError)
        return admin.console(
            "admin/list", title: list.name, page: .lists, member: member, request: request, context: context,
            content: page, status: csvError == nil ? .ok : .badRequest)
    }

    @Sendable func importCSV(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .lists)
        let list = try await requireList(context)
        let csv = context.form["csv"] ?? ""
        guard !csv.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return try await renderList(
                request, context, member: member, list: list, outcome: nil,
                csvError: "Choose a CSV file or paste its contents.")
        }
        let outcome = try await importer.run(
            Array(csv.utf8), into: list, skipRefused: context.form.isChecked("skip_refused"), staffID: member.id,
            requestID: context.requestID)
        return try await renderList(request, context, member: member, list: list, outcome: outcome, csvError: nil)
    }

    @Sendable func exportCSV(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .listExport)
        let list = try await requireList(context)
        var writer = CSVWriter(header: ["email", "name", "consent_source", "consented_at", "confirmed_at", "tags"])
        let rows = try await subscriptions.repository.export(listID: list.id)
        for entry in rows {
            writer.append([
                entry.subscriber.email, entry.subscriber.name ?? "", entry.subscription.source,
                Self.iso(entry.subscription.consentedAt), entry.subscription.confirmedAt.map(Self.iso) ?? "",
                entry.tags.joined(separator: ";"),
            ])
        }
        try await subscriptions.audit.record(
            "list.export", actor: .staff(member.id), subject: nil, requestID: context.requestID,
            details: ["list": list.id, "rows": String(rows.count)])
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(list.id).csv\"", .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: .init(string: writer.text)))
    }

    private func requireList(_ context: AppRequestContext) async throws -> MailingList {
        guard let list = try await subscriptions.repository.list(id: context.parameters.get("id") ?? "") else {
            throw HTTPError(.notFound)
        }
        return list
    }

    // MARK: Campaigns

    @Sendable func campaignsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .campaigns)
        let lists = Dictionary(uniqueKeysWithValues: try await subscriptions.lists().map { ($0.id, $0.name) })
        let rows = try await campaigns.repository.all().map {
            CampaignRow(
                id: $0.id, subject: $0.subject, listName: lists[$0.listID] ?? $0.listID, status: $0.status.rawValue,
                statusLabel: $0.status.label, recipients: $0.recipients, createdAt: AccountService.format($0.createdAt),
                href: "/admin/campaigns/\($0.id)")
        }
        return admin.console(
            "admin/campaigns", title: "Campaigns", page: .campaigns, member: member, request: request,
            context: context, content: CampaignsPage(campaigns: rows))
    }

    @Sendable func newCampaign(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .campaigns)
        let draft = CampaignService.Draft(
            listID: request.uri.queryParameters["list"].map(String.init) ?? "newsletter", subject: "",
            body: "Hello {{#name}}{{name}}{{/name}}{{^name}}there{{/name}},\n\n", tags: [])
        return try await renderForm(request, context, member: member, id: nil, draft: draft, errors: [:])
    }

    @Sendable func createCampaign(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .campaigns)
        let draft = Self.draft(context.form)
        do {
            let campaign = try await campaigns.create(draft, staffID: member.id, requestID: context.requestID)
            return redirect("/admin/campaigns/\(campaign.id)", flash: .campaignSaved)
        } catch NewsletterError.invalid(let errors) {
            return try await renderForm(request, context, member: member, id: nil, draft: draft, errors: errors)
        }
    }

    @Sendable func updateCampaign(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .campaigns)
        let id = context.parameters.get("id") ?? ""
        let draft = Self.draft(context.form)
        do {
            _ = try await campaigns.update(id: id, draft, staffID: member.id, requestID: context.requestID)
            return redirect("/admin/campaigns/\(id)", flash: .campaignSaved)
        } catch NewsletterError.invalid(let errors) {
            return try await renderForm(request, context, member: member, id: id, draft: draft, errors: errors)
        } catch NewsletterError.unknownCampaign {
            throw HTTPError(.notFound)
        } catch NewsletterError.campaignState(let message) {
            throw HTTPError(.conflict, message: message)
        }
    }

    private static func draft(_ form: FormData) -> CampaignService.Draft {
        CampaignService.Draft(
            listID: form.text("listID"), subject: form.text("subject"), body: form["body"] ?? "",
            tags: form.text("tags").split(whereSeparator: { $0 == "," || $0 == ";" })
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            trackOpens: form.isChecked("track_opens"), trackClicks: form.isChecked("track_clicks"))
    }

    private func renderForm(
        _ request: Request, _ context: AppRequestContext, member: StaffMember, id: String?,
        draft: CampaignService.Draft, errors: [String: String]
    ) async throws -> Response {
        let lists = try await subscriptions.lists()
        let page = CampaignForm(
            id: id,
            fields: [
                "subject": FieldView(
                    "subject", label: "Subject", value: draft.subject, error: errors["subject"], maxlength: 200),
                "body": FieldView(
                    "body", label: "Message (Markdown)", type: "textarea", value: draft.body, error: errors["body"],
                    hint: "Markdown: **bold**, _italic_, [link](https://…), lists with -, headings with #."),
                "tags": FieldView(
                    "tags", label: "Only subscribers interested in (optional)",
                    value: draft.tags.joined(separator: ", "),
                    error: errors["tags"], hint: "Comma-separated interests. Empty sends to the whole list.",
                    required: false),
            ],
            formError: errors.isEmpty ? nil : "The campaign was not saved. Check the fields marked below.",
            lists: lists.map { Option(value: $0.id, label: $0.name, selected: $0.id == draft.listID) },
            listError: errors["listID"],
            trackingNote: campaigns.trackingDeclared
                ? "Off by default. When on, only recipients with an account who consented to tracking get the "
                    + "open pixel and tracked links; everyone else gets the message untouched."
                : "Open and click tracking is off: it would need its own consent purpose in the privacy policy, "
                    + "and it is never used for anyone without that consent.",
            trackingAvailable: campaigns.trackingDeclared, trackOpens: draft.trackOpens,
            trackClicks: draft.trackClicks, trackingError: errors["tracking"],
            variables: CampaignComposer.variables.sorted().map { "{{\($0)}}" },
            action: id.map { "/admin/campaigns/\($0)" } ?? "/admin/campaigns")
        return admin.console(
            "admin/campaign-form", title: id == nil ? "New campaign" : "Edit campaign", page: .campaigns,
            member: member, request: request, context: context, content: page,
            status: errors.isEmpty ? .ok : .badRequest)
    }

    @Sendable func campaignPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .campaigns)
        if request.uri.queryParameters["edit"] != nil {
            let campaign = try await requireCampaign(context)
            return try await renderForm(
                request, context, member: member, id: campaign.id,
                draft: .init(
                    listID: campaign.listID, subject: campaign.subject, body: campaign.body, tags: campaign.tags,
                    trackOpens: campaign.trackOpens, trackClicks: campaign.trackClicks),
                errors: [:])
        }
        return try await renderCampaign(request, context, member: member, scheduleError: nil)
    }

    private func renderCampaign(
        _ request: Request, _ context: AppRequestContext, member: StaffMember, scheduleError: String?
    ) async throws -> Response {
        let campaign = try await requireCampaign(context)
        let list = try await subscriptions.repository.list(id: campaign.listID)
        let progress = try await campaigns.repository.progress(campaignID: campaign.id)
        let failures = try await campaigns.repository.failures(campaignID: campaign.id)
        let preview = try? await campaigns.preview(campaign, name: member.name, email: member.email)
        var tracking: CampaignPage.Tracking?
        if campaign.trackOpens || campaign.trackClicks {
            let counts = try await campaigns.tracking.counts(campaignID: campaign.id)
            tracking = .init(
                opens: campaign.trackOpens, clicks: campaign.trackClicks, opened: counts.opened,
                clicked: counts.clicked)
        }
        let status = campaign.status
        let page = CampaignPage(
            id: campaign.id, subject: campaign.subject, listName: list?.name ?? campaign.listID,
            status: status.rawValue, statusLabel: status.label, tags: campaign.tags.joined(separator: ", "),
            scheduledAt: campaign.scheduledAt.map(AccountService.format),
            startedAt: campaign.startedAt.map(AccountService.format),
            finishedAt: campaign.finishedAt.map(AccountService.format), progress: progress,
            percent: progress.percent, failures: failures.map { .init(reason: $0.reason, count: $0.count) },
            canEdit: campaign.isEditable, canSend: status == .draft || status == .scheduled,
            canSchedule: status == .draft || status == .scheduled, canPause: status == .sending || status == .scheduled,
            canResume: status == .paused, canCancel: [.draft, .scheduled, .sending, .paused].contains(status),
            isLive: status == .sending, previewHref: "/admin/campaigns/\(campaign.id)/preview",
            progressHref: "/admin/campaigns/\(campaign.id)/progress", editHref: "/admin/campaigns/\(campaign.id)?edit",
            previewSubject: preview?.subject ?? campaign.subject, previewText: preview?.text ?? "",
            scheduleError: scheduleError, tracking: tracking)
        return admin.console(
            "admin/campaign", title: campaign.subject, page: .campaigns, member: member, request: request,
            context: context, content: page, status: scheduleError == nil ? .ok : .badRequest)
    }

    /// The message's HTML as the recipient sees it, under a CSP that allows its inline styles and nothing active.
    @Sendable func preview(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .campaigns)
        let campaign = try await requireCampaign(context)
        let preview = try await campaigns.preview(campaign, name: member.name, email: member.email)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                SecurityHeadersMiddleware.ownPolicyMarker:
                    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
            ],
            body: .init(byteBuffer: .init(string: preview.html)))
    }

    /// Sent, pending and failed counts as JSON, polled by the campaign page's progress bar.
    @Sendable func progress(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try await admin.authorize(context, for: .campaigns)
        let campaign = try await requireCampaign(context)
        let progress = try await campaigns.repository.progress(campaignID: campaign.id)
        let body: [String: Any] = [
            "status": campaign.status.rawValue, "statusLabel": campaign.status.label, "sent": progress.sent,
            "pending": progress.pending, "failed": progress.failed, "dropped": progress.dropped,
            "total": progress.total, "percent": progress.percent,
        ]
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(
                byteBuffer: .init(bytes: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))))
    }

    /// Send now, schedule, pause, resume, cancel, test.
    @Sendable func act(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .campaigns)
        let id = context.parameters.get("id") ?? ""
        let path = "/admin/campaigns/\(id)"
        do {
            switch context.parameters.get("action") ?? "" {
            case "send":
                try await campaigns.sendNow(id: id, staffID: member.id, requestID: context.requestID)
                return redirect(path, flash: .campaignStarted)
            case "schedule":
                guard let time = Self.parseLocalTime(context.form.text("scheduled_at")) else {
                    return try await renderCampaign(
                        request, context, member: member, scheduleError: "Enter a date and time, like 2026-12-01 09:00."
                    )
                }
                do {
                    try await campaigns.schedule(id: id, at: time, staffID: member.id, requestID: context.requestID)
                } catch NewsletterError.invalid(let errors) {
                    return try await renderCampaign(
                        request, context, member: member, scheduleError: errors["scheduledAt"])
                }
                return redirect(path, flash: .campaignScheduled)
            case "pause":
                try await campaigns.pause(id: id, staffID: member.id, requestID: context.requestID)
                return redirect(path, flash: .campaignPaused)
            case "resume":
                try await campaigns.resume(id: id, staffID: member.id, requestID: context.requestID)
                return redirect(path, flash: .campaignResumed)
            case "cancel":
                try await campaigns.cancel(id: id, staffID: member.id, requestID: context.requestID)
                return redirect(path, flash: .campaignCancelled)
            case "test":
                let campaign = try await requireCampaign(context)
                try await campaigns.testSend(campaign, staff: member, requestID: context.requestID)
                return redirect(path, flash: .testSent)
            default:
                throw HTTPError(.notFound)
            }
        } catch NewsletterError.unknownCampaign {
            throw HTTPError(.notFound)
        } catch NewsletterError.campaignState(let message) {
            throw HTTPError(.conflict, message: message)
        }
    }

    private func requireCampaign(_ context: AppRequestContext) async throws -> Campaign {
        guard let campaign = try await campaigns.repository.find(id: context.parameters.get("id") ?? "") else {
            throw HTTPError(.notFound)
        }
        return campaign
    }

    /// Reads `2026-12-01T09:00` (a datetime-local field) or `2026-12-01 09:00` as UTC.
    static func parseLocalTime(_ text: String) -> Int64? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
        }
        return nil
    }

    static func iso(_ milliseconds: Int64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    // MARK: Site updates

    @Sendable func updatesPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .updates)
        return try await renderUpdates(request, context, member: member, title: "", body: "", mail: true, errors: [:])
    }

    @Sendable func publishUpdate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .updates)
        let title = context.form.text("title")
        let body = context.form["body"] ?? ""
        let mail = context.form.isChecked("mail")
        do {
            _ = try await campaigns.publishSiteUpdate(
                title: title, body: body, mail: mail, staffID: member.id, requestID: context.requestID)
            return redirect(AdminPage.updates.path, flash: .updatePublished)
        } catch NewsletterError.invalid(let errors) {
            return try await renderUpdates(
                request, context, member: member, title: title, body: body, mail: mail, errors: errors)
        }
    }

    private func renderUpdates(
        _ request: Request, _ context: AppRequestContext, member: StaffMember, title: String, body: String, mail: Bool,
        errors: [String: String]
    ) async throws -> Response {
        let updates = try await campaigns.repository.siteUpdates().map {
            UpdatesPage.Update(
                title: $0.title, publishedAt: AccountService.format($0.publishedAt),
                campaignHref: $0.campaignID.map { "/admin/campaigns/\($0)" })
        }
        let page = UpdatesPage(
            updates: updates,
            fields: [
                "title": FieldView("title", label: "Title", value: title, error: errors["title"], maxlength: 200),
                "body": FieldView(
                    "body", label: "What changed (Markdown)", type: "textarea", value: body, error: errors["body"]),
            ],
            formError: errors.isEmpty ? nil : "The update was not published.", mailChecked: mail)
        return admin.console(
            "admin/updates", title: "Site updates", page: .updates, member: member, request: request,
            context: context, content: page, status: errors.isEmpty ? .ok : .badRequest)
    }

    private func redirect(_ location: String, flash: Flash) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        response.setCookie(cookies.sessionCookie(cookies.flash, flash.rawValue))
        return response
    }
}
