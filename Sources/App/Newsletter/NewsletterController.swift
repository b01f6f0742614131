import Foundation
import Hummingbird

/// The public mailing pages (subscribe, confirm, one-click unsubscribe) and the member's e-mail settings.
struct NewsletterController: Sendable {
    let subscriptions: SubscriptionService
    let campaigns: CampaignService
    let accounts: AccountService
    let renderer: Renderer
    let layouts: LayoutService
    let cookies: CookieSettings
    let links: SiteLinks

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/subscribe", use: subscribeForm)
        router.post("/subscribe", use: subscribe)
        router.get("/subscribe/confirm", use: confirm)
        router.get("/unsubscribe", use: unsubscribeForm)
        router.post("/unsubscribe", use: unsubscribe)
        router.get("/account/subscriptions", use: memberSettings)
        router.post("/account/subscriptions", use: saveMemberSettings)
        router.get("/account/notifications", use: notifications)
    }

    // MARK: View models

    struct ListChoice {
        let id: String
        let name: String
        let description: String
        let checked: Bool
    }

    struct SubscribePage {
        var fields: [String: FieldView]
        var formError: String?
        let lists: [ListChoice]
        let listsError: String?
        /// Set after a successful post: the "check your inbox" state.
        let sent: Bool
        let embedSnippet: String
    }

    struct ConfirmPage {
        let confirmed: Bool
        let lists: [String]
    }

    struct UnsubscribePage {
        /// The token, for the confirmation form (nil once done or when the link is bad).
        let token: String?
        let listName: String
        let done: Bool
    }

    struct SubscriptionsPage {
        let lists: [ListChoice]
        let interests: String
        let verified: Bool
    }

    struct NotificationsPage {
        struct Update {
            let title: String
            let html: String
            let publishedAt: String
        }
        let updates: [Update]
    }

    // MARK: Public form

    @Sendable func subscribeForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let preselected = request.uri.queryParameters["list"].map(String.init)
        return try await renderSubscribe(
            request, context, email: "", name: "", chosen: preselected.map { [$0] } ?? [], errors: [:], sent: false)
    }

    @Sendable func subscribe(_ request: Request, context: AppRequestContext) async throws -> Response {
        let email = context.form.text("email")
        let name = context.form.text("name")
        let chosen = context.form.values["list"] ?? []
        // A bot filling every field of the embeddable form: answer as if it worked, do nothing.
        if !context.form.text("website").isEmpty {
            return try await renderSubscribe(request, context, email: "", name: "", chosen: [], errors: [:], sent: true)
        }
        do {
            try await subscriptions.subscribe(
                email: email, name: name, listIDs: chosen,
                request: RequestInfo(
                    ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "", requestID: context.requestID))
        } catch NewsletterError.invalid(let errors) {
            return try await renderSubscribe(
                request, context, email: email, name: name, chosen: chosen, errors: errors, sent: false,
                status: .badRequest)
        } catch NewsletterError.unknownList {
            return try await renderSubscribe(
                request, context, email: email, name: name, chosen: [],
                errors: ["lists": "Choose from the lists below."], sent: false, status: .badRequest)
        }
        return try await renderSubscribe(request, context, email: "", name: "", chosen: [], errors: [:], sent: true)
    }

    private func renderSubscribe(
        _ request: Request, _ context: AppRequestContext, email: String, name: String, chosen: [String],
        errors: [String: String], sent: Bool, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let lists = try await subscriptions.lists().filter { $0.visibility == .public }
        let page = SubscribePage(
            fields: [
                "email": FieldView(
                    "email", label: "E-mail", type: "email", value: email, error: errors["email"],
                    autocomplete: "email"),
                "name": FieldView(
                    "name", label: "Name (optional)", value: name, error: errors["name"], autocomplete: "name",
                    required: false, maxlength: 200),
            ],
            formError: errors.isEmpty ? nil : "Please check the fields marked below.",
            lists: lists.map {
                ListChoice(
                    id: $0.id, name: $0.name, description: $0.description,
                    checked: chosen.contains($0.id) || (chosen.isEmpty && lists.count == 1))
            },
            listsError: errors["lists"], sent: sent,
            embedSnippet: Self.embedSnippet(action: links.url(.subscribe), lists: lists))
        return renderer.page(
            "site/subscribe", title: "Subscribe", content: page,
            layout: try await layouts.input(request, context), status: status)
    }

    /// An HTML form other sites can paste in: it posts to /subscribe, which double opt-in protects.
    static func embedSnippet(action: String, lists: [MailingList]) -> String {
        var html = "<form method=\"post\" action=\"\(action)\">\n"
        html += "  <label>E-mail <input type=\"email\" name=\"email\" required></label>\n"
        html += "  <label>Name <input type=\"text\" name=\"name\"></label>\n"
        for list in lists {
            html += "  <label><input type=\"checkbox\" name=\"list\" value=\"\(list.id)\"> \(list.name)</label>\n"
        }
        html += "  <input type=\"text\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\" hidden>\n"
        html += "  <button type=\"submit\">Subscribe</button>\n</form>"
        return html
    }

    @Sendable func confirm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = request.uri.queryParameters["token"].map(String.init) ?? ""
        let lists = try await subscriptions.confirm(
            token: token,
            request: RequestInfo(
                ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "", requestID: context.requestID))
        return renderer.page(
            "site/subscribe-confirm", title: lists == nil ? "Link not valid" : "Subscribed",
            content: ConfirmPage(confirmed: lists != nil, lists: lists ?? []),
            layout: try await layouts.input(request, context), status: lists == nil ? .notFound : .ok)
    }

    // MARK: Unsubscribe (RFC 8058)

    /// Shows what the link would do; never unsubscribes by itself (link scanners follow GET links).
    @Sendable func unsubscribeForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let text = request.uri.queryParameters["t"].map(String.init) ?? ""
        guard let token = subscriptions.readUnsubscribeToken(text) else { throw HTTPError(.notFound) }
        let list = try await subscriptions.list(for: token)
        var response = renderer.page(
            "site/unsubscribe", title: "Unsubscribe",
            content: UnsubscribePage(token: text, listName: list?.name ?? "this list", done: false),
            layout: try await layouts.input(request, context))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// One-click unsubscribe: POST with the message's token, no cookie or sign-in; 200 without a redirect.
    @Sendable func unsubscribe(_ request: Request, context: AppRequestContext) async throws -> Response {
        let text = request.uri.queryParameters["t"].map(String.init) ?? context.form.text("t")
        guard let token = subscriptions.readUnsubscribeToken(text) else { throw HTTPError(.notFound) }
        let list = try await subscriptions.list(for: token)
        try await subscriptions.unsubscribe(
            token,
            request: RequestInfo(
                ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "", requestID: context.requestID))
        var response = renderer.page(
            "site/unsubscribe", title: "Unsubscribed",
            content: UnsubscribePage(token: nil, listName: list?.name ?? "the list", done: true),
            layout: try await layouts.input(request, context))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    // MARK: Members

    @Sendable func memberSettings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        let choices = try await subscriptions.memberChoices(memberID: member.id)
        return renderer.page(
            "account/subscriptions", title: "E-mail subscriptions",
            content: SubscriptionsPage(
                lists: choices.lists.map {
                    ListChoice(
                        id: $0.list.id, name: $0.list.name, description: $0.list.description, checked: $0.subscribed)
                },
                interests: choices.tags.joined(separator: ", "), verified: member.isVerified),
            layout: try await layouts.input(request, context, member: member))
    }

    @Sendable func saveMemberSettings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        let interests = context.form.text("interests").split(whereSeparator: { $0 == "," || $0 == ";" })
            .map { String($0.prefix(50)) }
        try await subscriptions.updateMember(
            memberID: member.id, listIDs: Set(context.form.values["list"] ?? []), tags: interests,
            request: RequestInfo(
                ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "", requestID: context.requestID))
        var response = Response(status: .seeOther, headers: [.location: SitePath.accountSubscriptions.path])
        response.setCookie(cookies.sessionCookie(cookies.flash, Flash.subscriptionsSaved.rawValue))
        return response
    }

    @Sendable func notifications(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        let updates = try await campaigns.siteUpdates().map {
            NotificationsPage.Update(title: $0.title, html: $0.html, publishedAt: AccountService.format($0.publishedAt))
        }
        return renderer.page(
            "account/notifications", title: "Site updates", content: NotificationsPage(updates: updates),
            layout: try await layouts.input(request, context, member: member))
    }
}
