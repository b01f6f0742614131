import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Policy

/// `/privacy/request` (anyone files a data request, confirmed by e-mail; the answer's download link) and the staff
/// queue under `/admin/requests`.
struct PrivacyRequestController: Sendable {
    let requests: PrivacyRequestService
    let admin: AdminController
    let renderer: Renderer
    let layouts: LayoutService
    let state: PolicyState
    let clock: any WallClock

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/privacy/request", use: form)
        router.post("/privacy/request", use: file)
        router.get("/privacy/request/confirm", use: confirm)
        router.get("/privacy/request/download", use: download)
        router.get("/admin/requests", use: queue)
        router.get("/admin/requests/:id", use: detail)
        router.post("/admin/requests/:id/:action", use: act)
    }

    // MARK: Public

    struct RequestPage {
        struct KindOption {
            let value: String
            let label: String
            let hint: String
            let checked: Bool
        }
        var fields: [String: FieldView]
        var formError: String?
        let kinds: [KindOption]
        let kindError: String?
        let sent: Bool
        let deadlineDays: Int
        let contactEmail: String
    }

    struct ConfirmedPage {
        let valid: Bool
        let kind: String
        let due: String
        let deadlineDays: Int
    }

    static let hints: [PrivacyRequest.Kind: String] = [
        .access: "We send you a link to download everything we hold about you.",
        .correction: "Tell us below what is wrong and what it should say.",
        .erasure: "We erase your account and subscriptions; your data key is destroyed first.",
        .objection: "We withdraw every marketing consent and stop mailing this address.",
    ]

    private func requestPage(
        kind: String, email: String, details: String, errors: [String: String], sent: Bool
    ) -> RequestPage {
        let policy = state.current.policy
        return RequestPage(
            fields: [
                "email": FieldView(
                    "email", label: "Your e-mail address", type: "email", value: email, error: errors["email"],
                    hint: "We send a link to this address: the request counts once you open it.",
                    autocomplete: "email"),
                "details": FieldView(
                    "details", label: "Details", type: "textarea", value: details, error: errors["details"],
                    hint: "Anything that helps us answer (required to correct data). At most 5,000 characters.",
                    required: false, maxlength: 5000),
            ],
            formError: errors.isEmpty ? nil : "Your request was not sent. Check the fields marked below.",
            kinds: PrivacyRequest.Kind.allCases.map {
                .init(value: $0.rawValue, label: $0.label, hint: Self.hints[$0] ?? "", checked: $0.rawValue == kind)
            }, kindError: errors["kind"], sent: sent, deadlineDays: policy.requests.deadlineDays,
            contactEmail: policy.requests.contactEmail)
    }

    @Sendable func form(_ request: Request, context: AppRequestContext) async throws -> Response {
        let kind = request.uri.queryParameters["kind"].map(String.init) ?? "access"
        let sent = request.uri.queryParameters["sent"] == "1"
        return renderer.page(
            "privacy/request", title: "A request about your data",
            content: requestPage(kind: kind, email: "", details: "", errors: [:], sent: sent),
            layout: try await layouts.input(request, context))
    }

    @Sendable func file(_ request: Request, context: AppRequestContext) async throws -> Response {
        let kindText = context.form.text("kind")
        let email = context.form.text("email")
        let details = context.form["details"] ?? ""
        let kind = PrivacyRequest.Kind(rawValue: kindText)
        // Every field is checked at once, whether or not a kind was chosen.
        var errors = requests.problems(kind: kind ?? .access, email: email, details: details)
        if kind == nil {
            errors["kind"] = "Choose what you ask for."
            if errors["details"] != nil && details.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                errors["details"] = nil
            }
        }
        if let kind, errors.isEmpty {
            do {
                try await requests.file(
                    kind: kind, email: email, details: details, ip: context.clientIP, requestID: context.requestID)
                // Post/redirect/get: reloading the answer does not file the request again.
                return Response(status: .seeOther, headers: [.location: SitePath.privacyRequest.path + "?sent=1"])
            } catch PrivacyRequestError.invalid(let problems) {
                errors = problems
            } catch PrivacyRequestError.rateLimited(let retryAfter) {
                throw AccountError.rateLimited(retryAfter: retryAfter)
            }
        }
        return renderer.page(
            "privacy/request", title: "A request about your data",
            content: requestPage(kind: kindText, email: email, details: details, errors: errors, sent: false),
            layout: try await layouts.input(request, context), status: .badRequest)
    }

    @Sendable func confirm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = request.uri.queryParameters["token"].map(String.init) ?? ""
        let deadlineDays = state.current.policy.requests.deadlineDays
        do {
            let confirmed = try await requests.confirm(token: token, requestID: context.requestID)
            return renderer.page(
                "privacy/request-confirmed", title: "Request confirmed",
                content: ConfirmedPage(
                    valid: true, kind: confirmed.kind.label,
                    due: confirmed.dueAt.map { CivilDate.short($0 / 86_400_000) } ?? "", deadlineDays: deadlineDays),
                layout: try await layouts.input(request, context))
        } catch PrivacyRequestError.invalidLink {
            return renderer.page(
                "privacy/request-confirmed", title: "Link not valid",
                content: ConfirmedPage(valid: false, kind: "", due: "", deadlineDays: deadlineDays),
                layout: try await layouts.input(request, context), status: .notFound)
        }
    }

    @Sendable func download(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = request.uri.queryParameters["token"].map(String.init) ?? ""
        do {
            let bytes = try await requests.download(token: token, requestID: context.requestID)
            let day = CivilDate.iso(clock.milliseconds / 86_400_000)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/zip",
                    .contentDisposition: "attachment; filename=\"my-data-\(day).zip\"", .cacheControl: "no-store",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        } catch PrivacyRequestError.invalidLink {
            throw HTTPError(.notFound, message: "This download link is not valid: it expired or was mistyped.")
        }
    }

    // MARK: Staff

    struct QueuePage {
        struct Row {
            let href: String
            let kind: String
            let status: String
            let statusClass: String
            let confirmed: String
            let due: String
            let daysLeft: String
            let overdue: Bool
            let answered: String
        }
        let rows: [Row]
        let medianAnswer: String
        let p95Answer: String
        let open: Int
        let overdue: Int
        let deadlineDays: Int
    }

    struct DetailPage {
        let id: String
        let kind: String
        let kindValue: String
        let status: String
        let email: String
        let details: String
        let confirmed: String
        let due: String
        let overdue: Bool
        let extensionReason: String?
        let outcome: String?
        let isOpen: Bool
        let holdings: [String]
        let automatic: String
        let needsNote: Bool
        var fields: [String: FieldView]
        var formError: String?
        let maxExtensionDays: Int
    }

    /// "13 days left", "due today", "1 day late".
    static func daysLeft(_ days: Int) -> String {
        switch days {
        case 0: "due today"
        case 1: "1 day left"
        case -1: "1 day late"
        case ..<0: "\(-days) days late"
        default: "\(days) days left"
        }
    }

    static func hours(_ value: Double?) -> String {
        guard let value else { return "–" }
        return value < 48 ? String(format: "%.1f h", value) : String(format: "%.1f days", value / 24)
    }

    @Sendable func queue(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .requests)
        let now = clock.milliseconds
        let all = try await requests.repository.all()
        let figures = try await requests.figures(of: all)
        let rows = all.map { item -> QueuePage.Row in
            let overdue = item.isOverdue(now: now)
            let daysLeft = item.dueAt.map { Int($0 / 86_400_000 - now / 86_400_000) }
            return .init(
                href: SitePath.adminRequest(id: item.id).path, kind: item.kind.label,
                status: overdue ? "Overdue" : (item.status == .open ? "Open" : item.status.rawValue.capitalized),
                statusClass: overdue ? "failed" : (item.status == .open ? "pending" : "ok"),
                confirmed: item.confirmedAt.map(AccountService.format) ?? "",
                due: item.dueAt.map { CivilDate.short($0 / 86_400_000) } ?? "",
                daysLeft: item.status != .open
                    ? "" : (daysLeft.map(Self.daysLeft) ?? ""),
                overdue: overdue, answered: item.answeredAt.map(AccountService.format) ?? "")
        }
        return admin.console(
            "admin/requests", title: "Data requests", page: .requests, member: member, request: request,
            context: context,
            content: QueuePage(
                rows: rows, medianAnswer: Self.hours(figures.medianHours), p95Answer: Self.hours(figures.p95Hours),
                open: figures.open, overdue: figures.overdue,
                deadlineDays: state.current.policy.requests.deadlineDays))
    }

    @Sendable func detail(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .requests)
        return try await renderDetail(request, context, staff: member, errors: [:])
    }

    private func renderDetail(
        _ request: Request, _ context: AppRequestContext, staff: StaffMember, errors: [String: String],
        values: [String: String] = [:]
    ) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let item: PrivacyRequest
        do {
            item = try await requests.view(id: id, staffID: staff.id, requestID: context.requestID)
        } catch PrivacyRequestError.notFound {
            throw HTTPError(.notFound)
        }
        let (account, subscriberIDs) = try await requests.holdings(email: item.email)
        var holdings: [String] = []
        if let account {
            holdings.append(
                "A member account (\(account.profile.name), since \(AccountService.format(account.createdAt)))")
        }
        if !subscriberIDs.isEmpty { holdings.append("\(subscriberIDs.count) subscriber record(s) on mailing lists") }
        let automatic: String =
            switch item.kind {
            case .access: "Steward sends a download link to everything it holds under this address."
            case .erasure:
                "Steward erases the account and subscriber records (keys first) and lists the recipients told."
            case .objection: "Steward withdraws every marketing consent and suppresses the address on every list."
            case .correction:
                "Correct the data by hand (the member's account page, or the list), then describe what you changed."
            }
        let now = clock.milliseconds
        let page = DetailPage(
            id: item.id, kind: item.kind.label, kindValue: item.kind.rawValue,
            status: item.isOverdue(now: now) ? "Overdue" : item.status.rawValue.capitalized, email: item.email,
            details: item.details, confirmed: item.confirmedAt.map(AccountService.format) ?? "",
            due: item.dueAt.map { CivilDate.short($0 / 86_400_000) } ?? "", overdue: item.isOverdue(now: now),
            extensionReason: item.extensionReason, outcome: item.outcome, isOpen: item.status == .open,
            holdings: holdings, automatic: automatic, needsNote: item.kind == .correction,
            fields: [
                "note": FieldView(
                    "note", label: item.kind == .correction ? "What you corrected" : "Note to the requester (optional)",
                    type: "textarea", value: values["note"] ?? "", error: errors["note"],
                    required: item.kind == .correction, maxlength: 2000),
                "days": FieldView(
                    "days", label: "Extend by (days)", type: "number", value: values["days"] ?? "14",
                    error: errors["days"]),
                "reason": FieldView(
                    "reason", label: "Reason (sent to the requester)", type: "textarea", value: values["reason"] ?? "",
                    error: errors["reason"], maxlength: 2000),
            ],
            formError: errors.isEmpty ? nil : "Nothing was changed. Check the fields marked below.",
            maxExtensionDays: PrivacyRequestService.maxExtensionDays)
        return admin.console(
            "admin/request", title: "Data request", page: .requests, member: staff, request: request,
            context: context, content: page, status: errors.isEmpty ? .ok : .badRequest)
    }

    @Sendable func act(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await admin.authorize(context, for: .requests)
        let id = context.parameters.get("id") ?? ""
        let action = context.parameters.get("action") ?? ""
        let values = [
            "note": context.form["note"] ?? "", "days": context.form.text("days"),
            "reason": context.form["reason"] ?? "",
        ]
        do {
            switch action {
            case "fulfil":
                try await requests.fulfil(
                    id: id, note: values["note"]!, staffID: member.id, requestID: context.requestID)
            case "extend":
                guard let days = Int(values["days"]!) else {
                    throw PrivacyRequestError.invalid(["days": "Enter a whole number of days."])
                }
                try await requests.extend(
                    id: id, days: days, reason: values["reason"]!, staffID: member.id, requestID: context.requestID)
            case "refuse":
                try await requests.refuse(
                    id: id, reason: values["reason"]!, staffID: member.id, requestID: context.requestID)
            default:
                throw HTTPError(.notFound)
            }
        } catch PrivacyRequestError.invalid(let errors) {
            return try await renderDetail(request, context, staff: member, errors: errors, values: values)
        } catch PrivacyRequestError.notOpen {
            throw HTTPError(.conflict, message: "This request was already answered.")
        } catch PrivacyRequestError.notFound {
            throw HTTPError(.notFound)
        }
        return Response(status: .seeOther, headers: [.location: SitePath.adminRequest(id: id).path])
    }
}
