import Foundation
import Hummingbird
import Policy
import SQLKit
import Storage

/// `/account/privacy`: the member's consents (changed with one click), what is held about them, why and until
/// when, their consent history with downloadable receipts; and the acknowledgement of policy notices.
struct PrivacyDashboardController: Sendable {
    let accounts: AccountService
    let consent: ConsentService
    let state: PolicyState
    let renderer: Renderer
    let layouts: LayoutService
    let database: Database
    let exports: DataExportService
    /// The JSON Schema of the export's data.json (Resources/export-schema.json).
    let exportSchema: String
    let rights: PrivacyRightsService
    let retention: RetentionService

    struct Page {
        struct Consent {
            let id: String
            let name: String
            let label: String
            let description: String
            let state: String
            let stateLabel: String
            let since: String
            let actionLabel: String
            let actionValue: String
        }
        struct HeldData {
            let category: String
            let fields: String
            let purposes: String
            let keptUntil: String
            /// The next date something of this category goes, in words, or nil.
            let nextDate: String?
        }
        struct HistoryRow {
            let id: String
            let when: String
            let purposeName: String
            let state: String
            let method: String
            let version: Int
            let receiptHref: String
        }
        let consents: [Consent]
        let gpc: Bool
        let data: [HeldData]
        let history: [HistoryRow]
        /// Days within which data requests are answered, from the policy.
        let deadlineDays: Int
        /// When processing was restricted, formatted, or nil.
        let restrictedSince: String?
        /// Whether any marketing consent is on (the objection button is offered only then).
        let marketingActive: Bool
        /// Confirmations after the one-click rights.
        let objected: Bool
        let lifted: Bool
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/account/privacy", use: dashboard)
        router.post("/account/privacy/consents", use: change)
        router.get("/account/privacy/receipts/:id", use: receipt)
        router.post("/account/notices/ack", use: acknowledge)
        router.post("/account/privacy/export", use: export)
        router.post("/account/privacy/object", use: object)
        router.post("/account/privacy/restrict", use: restrict)
        router.get("/privacy/export-schema.json", use: schema)
    }

    /// "Object to marketing": every marketing consent withdrawn and the address suppressed, in one click.
    @Sendable func object(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        try await rights.objectToMarketing(
            member: member,
            request: RequestInfo(
                ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "", requestID: context.requestID))
        return Response(
            status: .seeOther, headers: [.location: SitePath.accountPrivacy.path + "?done=objected#rights-heading"])
    }

    /// "Restrict processing" (keep my data but do not use it), or lift the restriction.
    @Sendable func restrict(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        let action = context.form.text("action")
        guard action == "restrict" || action == "lift" else {
            throw HTTPError(.badRequest, message: "Choose to restrict processing or to lift the restriction.")
        }
        try await rights.setRestricted(
            action == "restrict", member: member,
            request: RequestInfo(
                ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "", requestID: context.requestID))
        let done = action == "lift" ? "?done=lifted" : ""
        return Response(
            status: .seeOther, headers: [.location: SitePath.accountPrivacy.path + done + "#rights-heading"])
    }

    /// "Download my data": a ZIP with data.json, data.html and a README.
    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        guard let bytes = try await exports.archive(memberID: member.id, requestID: context.requestID) else {
            throw HTTPError(.notFound)
        }
        let day = CivilDate.iso(consent.clock.milliseconds / 86_400_000)
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/zip",
                .contentDisposition: "attachment; filename=\"my-data-\(day).zip\"",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: .init(bytes: bytes)))
    }

    /// The JSON Schema that data.json follows, published so that anyone can check an export.
    @Sendable func schema(_ request: Request, context: AppRequestContext) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/schema+json", .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: .init(string: exportSchema)))
    }

    @Sendable func dashboard(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        let items = try await consent.overview(subjectID: member.subjectID, gpc: context.gpc)
        let policy = state.current.policy
        let consents = items.map { item -> Page.Consent in
            let state: String
            let stateLabel: String
            let action: (String, String)
            if item.isBlockedByGPC {
                (state, stateLabel, action) = ("blocked", "Off: your browser's Global Privacy Control", ("", ""))
            } else if item.isSuspended {
                (state, stateLabel, action) = ("suspended", "Paused: the policy changed", ("Consent again", "grant"))
            } else if item.isActive {
                (state, stateLabel, action) = ("on", "Given", ("Withdraw", "withdraw"))
            } else if item.grant != nil {
                (state, stateLabel, action) = ("off", "Withdrawn", ("Give consent", "grant"))
            } else {
                (state, stateLabel, action) = ("off", "Not given", ("Give consent", "grant"))
            }
            return Page.Consent(
                id: item.id, name: item.name, label: item.label, description: item.description, state: state,
                stateLabel: stateLabel, since: item.grant.map { AccountService.format($0.at) } ?? "",
                actionLabel: action.0, actionValue: action.1)
        }
        let names = Dictionary(uniqueKeysWithValues: items.map { ($0.id, $0.name) })
        let history = try await consent.history(subjectID: member.subjectID).map { record in
            Page.HistoryRow(
                id: record.id, when: AccountService.format(record.createdAt),
                purposeName: names[record.purpose] ?? record.purpose, state: record.granted ? "given" : "withdrawn",
                method: Self.describe(method: record.method), version: record.policyVersion,
                receiptHref: "/account/privacy/receipts/\(record.id)")
        }
        // Dates from the retention rules: the oldest sign-in record's deletion, and the account's inactivity limit.
        let dayMS: Int64 = 86_400_000
        let oldestSignIn = try await database.sql.raw(
            "SELECT MIN(created_at) AS first FROM security_events WHERE subject_id = \(bind: member.subjectID)"
        ).first()?.decode(column: "first", as: Int64?.self)
        let lastActive = try await database.sql.raw(
            "SELECT COALESCE(last_active_at, created_at) AS active FROM members WHERE id = \(bind: member.id)"
        ).first()?.decode(column: "active", as: Int64.self)
        func nextDate(_ category: String) -> String? {
            switch policy.retention(for: category)?.rule {
            case .daysAfterCollection(let days):
                return oldestSignIn.map {
                    "Next deletion: \(CivilDate.short(($0 + Int64(days) * dayMS) / dayMS)) (the oldest entry)."
                }
            case .untilEvent(let event, _)
            where event == "account_closure" && retention.inactiveAccountDays > 0 && category == "identity":
                return lastActive.map {
                    "Unless you sign in by \(CivilDate.short(($0 + Int64(retention.inactiveAccountDays) * dayMS) / dayMS)), "
                        + "we warn you and delete the account \(RetentionService.warningDays) days later."
                }
            default:
                return nil
            }
        }
        let data = policy.categories.filter(\.personal).compactMap { category -> Page.HeldData? in
            let labels = PersonalDataRegistry.labels(of: category.id)
            guard !labels.isEmpty else { return nil }
            let purposes = policy.purposes.filter { $0.categories.contains(category.id) }.map(\.name)
            return Page.HeldData(
                category: category.name, fields: labels.joined(separator: ", "),
                purposes: purposes.joined(separator: ", "),
                keptUntil: RetentionWording.describe(policy.retention(for: category.id)),
                nextDate: nextDate(category.id))
        }
        let restrictedSince = try await rights.restrictedSince(memberID: member.id).map(AccountService.format)
        let marketing = Set(rights.marketingConsents())
        let layout = try await layouts.input(request, context, member: member)
        return renderer.page(
            "account/privacy", title: "Privacy & consents",
            content: Page(
                consents: consents, gpc: context.gpc, data: data, history: history,
                deadlineDays: policy.requests.deadlineDays,
                restrictedSince: restrictedSince,
                marketingActive: items.contains { marketing.contains($0.id) && $0.isActive },
                objected: request.uri.queryParameters["done"] == "objected",
                lifted: request.uri.queryParameters["done"] == "lifted"),
            layout: layout)
    }

    @Sendable func change(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        let purpose = context.form.text("purpose")
        let granted = context.form.text("action") == "grant"
        let snapshot = state.current
        let known = snapshot.policy.consentPurposes.map(\.id) + snapshot.policy.consentRecipients.map(\.id)
        guard known.contains(purpose) else { throw HTTPError(.badRequest, message: "There is no such consent.") }
        if granted && context.gpc && snapshot.gpcPurposes.contains(purpose) {
            throw HTTPError(
                .conflict,
                message:
                    "Your browser sends a Global Privacy Control signal, which says no to this. Turn it off to give consent."
            )
        }
        let request = RequestInfo(
            ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "", requestID: context.requestID)
        let subscriptions = accounts.subscriptions
        try await database.transaction { [consent] db in
            try await consent.record(
                [(id: purpose, granted: granted)], subjectID: member.subjectID, method: .settings,
                requestID: request.requestID, actor: .member(member.id), on: db)
            try await subscriptions.followConsent(
                memberID: member.id, subjectID: member.subjectID, purpose: purpose, granted: granted, request: request,
                on: db)
        }
        return Response(status: .seeOther, headers: [.location: SitePath.accountPrivacy.path])
    }

    @Sendable func receipt(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        let id = context.parameters.get("id") ?? ""
        guard
            let receipt = try await consent.receipt(
                recordID: id, subjectID: member.subjectID, subjectEmail: member.email)
        else { throw HTTPError(.notFound) }
        let data = try JSONSerialization.data(withJSONObject: receipt, options: [.prettyPrinted, .sortedKeys])
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/json; charset=utf-8",
                .contentDisposition: "attachment; filename=\"consent-receipt-\(id).json\"",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: .init(bytes: data)))
    }

    @Sendable func acknowledge(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        let version = Int(context.form.text("version")) ?? 0
        let now = consent.clock.milliseconds
        try await database.sql.update("policy_notices").set("acknowledged_at", to: now).set("updated_at", to: now)
            .where("member_id", .equal, member.id).where("version", .lessThanOrEqual, version)
            .where("acknowledged_at", .is, SQLLiteral.null).run()
        let back = request.headers[.referer].flatMap { URL(string: $0)?.path }.flatMap {
            SitePath.isLocal($0) ? $0 : nil
        }
        return Response(status: .seeOther, headers: [.location: back ?? SitePath.account.path])
    }

    static func describe(method: String) -> String {
        switch method {
        case "registration": "When you registered"
        case "settings": "On this page"
        case "banner": "Cookie banner"
        case "gpc": "Global Privacy Control signal"
        case "import": "Imported"
        case "subscription": "Subscription"
        case "objection": "Objection to marketing"
        default: method
        }
    }
}
