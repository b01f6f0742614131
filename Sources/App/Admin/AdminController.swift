import Foundation
import Hummingbird
import HummingbirdOTP
import Storage

/// The staff console under `/admin`: sign-in with a second factor, and pages limited by role.
struct AdminController: Sendable {
    let staff: StaffService
    let outbox: SQLOutboxRepository
    let queue: SQLJobQueue
    let renderer: Renderer
    let cookies: CookieSettings
    let relayConfigured: Bool
    let links: SiteLinks

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/admin/setup", use: setupForm)
        router.post("/admin/setup", use: setup)
        router.get("/admin/login", use: loginForm)
        router.post("/admin/login", use: login)
        router.post("/admin/logout", use: logout)
        router.get("/admin/totp/setup", use: totpSetupForm)
        router.post("/admin/totp/setup", use: totpSetup)
        router.get("/admin/totp", use: totpForm)
        router.post("/admin/totp", use: totp)
        router.get("/admin", use: dashboard)
        router.get("/admin/outbox", use: outboxPage)
        router.get("/admin/outbox/:id", use: outboxMessage)
        router.get("/admin/staff", use: staffPage)
        router.post("/admin/staff/invite", use: invite)
    }

    // MARK: Invitations

    @Sendable func setupForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = request.uri.queryParameters["token"].map(String.init) ?? ""
        let invite = token.isEmpty ? nil : try await staff.invite(token: token)
        return renderSetup(
            request, context, token: token, invite: invite, name: "", email: invite?.email ?? "", errors: [:])
    }

    @Sendable func setup(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = context.form["token"] ?? ""
        let name = context.form.text("name")
        let email = context.form.text("email")
        do {
            let session = try await staff.accept(
                token: token, name: name, email: email, password: context.form["password"] ?? "",
                requestID: context.requestID)
            var response = redirect(SitePath.adminTOTPSetup.path)
            response.setCookie(cookies.sessionCookie(cookies.staffSession, session))
            return response
        } catch StaffError.invalid(let errors) {
            let invite = try await staff.invite(token: token)
            return renderSetup(
                request, context, token: token, invite: invite, name: name, email: invite?.email ?? email,
                errors: errors, status: .badRequest)
        } catch StaffError.invalidInvite {
            return renderSetup(
                request, context, token: "", invite: nil, name: "", email: "", errors: [:], status: .badRequest)
        }
    }

    private func renderSetup(
        _ request: Request, _ context: AppRequestContext, token: String, invite: StaffInvite?, name: String,
        email: String, errors: [String: String], status: HTTPResponse.Status = .ok
    ) -> Response {
        let fields = [
            "name": FieldView("name", label: "Full name", value: name, error: errors["name"], autocomplete: "name"),
            "email": FieldView(
                "email", label: "E-mail", type: "email", value: email, error: errors["email"], autocomplete: "email"),
            "password": FieldView(
                "password", label: "Password", type: "password", error: errors["password"],
                hint: "At least 8 characters. Long passphrases welcome.", autocomplete: "new-password"),
        ]
        let page = SetupPage(
            fields: fields, formError: errors.isEmpty ? nil : "Some fields need attention.", token: token,
            role: invite?.role.label ?? "", emailLocked: invite?.email != nil, invalid: invite == nil)
        return renderer.page(
            "admin/setup", title: "Create staff account", content: page, layout: plainLayout(request, context),
            status: invite == nil ? .notFound : status)
    }

    // MARK: Sign-in

    @Sendable func loginForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        renderLogin(request, context, email: "", error: nil)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let email = context.form.text("email")
        do {
            let session = try await staff.login(
                email: email, password: context.form["password"] ?? "", ip: context.clientIP,
                requestID: context.requestID)
            if let old = context.staff { try await staff.logout(sessionID: old.sessionID) }
            var response = redirect(SitePath.adminTOTPVerify.path)
            response.setCookie(cookies.sessionCookie(cookies.staffSession, session))
            return response
        } catch StaffError.wrongCredentials {
            return renderLogin(
                request, context, email: email, error: "E-mail or password is wrong.", status: .unauthorized)
        }
    }

    private func renderLogin(
        _ request: Request, _ context: AppRequestContext, email: String, error: String?,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let fields = [
            "email": FieldView("email", label: "E-mail", type: "email", value: email, autocomplete: "email"),
            "password": FieldView("password", label: "Password", type: "password", autocomplete: "current-password"),
        ]
        return renderer.page(
            "admin/login", title: "Staff sign-in", content: FormPage(fields: fields, formError: error),
            layout: plainLayout(request, context), status: status)
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let session = context.staff { try await staff.logout(sessionID: session.sessionID) }
        var response = redirect(SitePath.adminLogin.path)
        response.setCookie(cookies.expired(cookies.staffSession))
        return response
    }

    // MARK: Second factor

    @Sendable func totpSetupForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await signedIn(context, allowingMissingFactor: true)
        if member.totpEnabled { return redirect(SitePath.adminTOTPVerify.path) }
        return try await renderTOTPSetup(request, context, member: member, error: nil)
    }

    @Sendable func totpSetup(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await signedIn(context, allowingMissingFactor: true)
        guard !member.totpEnabled, let session = context.staff else { return redirect(SitePath.adminTOTPVerify.path) }
        do {
            try await staff.enableTOTP(
                staff: member, code: context.form.text("code"), sessionID: session.sessionID,
                requestID: context.requestID)
            return redirect(SitePath.adminHome.path)
        } catch StaffError.wrongCode {
            return try await renderTOTPSetup(
                request, context, member: member,
                error: "That code is not right. Check the time on your phone and try the newest code.")
        }
    }

    private func renderTOTPSetup(
        _ request: Request, _ context: AppRequestContext, member: StaffMember, error: String?
    ) async throws -> Response {
        let secret = try await staff.totpSecret(for: member)
        let url = TOTP(secret: secret).createAuthenticatorURL(label: member.email, issuer: renderer.site.name)
        let base32 =
            URLComponents(string: url)?.queryItems?.first(where: { $0.name == "secret" })?.value ?? ""
        let grouped = stride(from: 0, to: base32.count, by: 4).map { offset -> String in
            let start = base32.index(base32.startIndex, offsetBy: offset)
            let end = base32.index(start, offsetBy: min(4, base32.count - offset))
            return String(base32[start..<end])
        }.joined(separator: " ")
        let page = TOTPSetupPage(
            fields: [
                "code": FieldView(
                    "code", label: "6-digit code", error: error, autocomplete: "one-time-code", maxlength: 6)
            ],
            formError: nil, secret: grouped, otpauthURL: url, qrSVG: nil)
        return renderer.page(
            "admin/totp-setup", title: "Set up two-factor sign-in", content: page,
            layout: plainLayout(request, context),
            status: error == nil ? .ok : .badRequest)
    }

    @Sendable func totpForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await signedIn(context, allowingMissingFactor: true)
        if !member.totpEnabled { return redirect(SitePath.adminTOTPSetup.path) }
        return renderTOTP(request, context, error: nil)
    }

    @Sendable func totp(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await signedIn(context, allowingMissingFactor: true)
        guard member.totpEnabled, let session = context.staff else { return redirect(SitePath.adminTOTPSetup.path) }
        do {
            try await staff.verifyTOTP(
                staff: member, code: context.form.text("code"), sessionID: session.sessionID,
                requestID: context.requestID)
            return redirect(SitePath.adminHome.path)
        } catch StaffError.wrongCode {
            return renderTOTP(request, context, error: "That code is not right, or was already used. Try the next one.")
        }
    }

    private func renderTOTP(_ request: Request, _ context: AppRequestContext, error: String?) -> Response {
        renderer.page(
            "admin/totp-verify", title: "Two-factor sign-in",
            content: FormPage(
                fields: [
                    "code": FieldView(
                        "code", label: "6-digit code", error: error, autocomplete: "one-time-code", maxlength: 6)
                ]),
            layout: plainLayout(request, context), status: error == nil ? .ok : .unauthorized)
    }

    // MARK: Console pages

    @Sendable func dashboard(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await authorize(context, for: .dashboard)
        let counts = try await outbox.counts()
        let jobs = try await queue.counts()
        let staffCount = try await staff.count()
        var cards = [
            DashboardPage.Card(
                label: "Mail pending", value: String(counts["pending", default: 0]), href: AdminPage.outbox.path),
            DashboardPage.Card(
                label: "Mail sent", value: String(counts["sent", default: 0]), href: AdminPage.outbox.path),
            DashboardPage.Card(label: "Jobs waiting", value: String(jobs.pending), href: AdminPage.outbox.path),
        ]
        if AdminPage.staff.roles.contains(member.role) {
            cards.append(.init(label: "Staff members", value: String(staffCount), href: AdminPage.staff.path))
        }
        return console(
            "admin/dashboard", title: "Dashboard", page: .dashboard, member: member, request: request, context: context,
            content: DashboardPage(cards: cards, welcome: "Welcome back, \(member.name)."))
    }

    @Sendable func outboxPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await authorize(context, for: .outbox)
        let messages = try await outbox.recent(limit: 200)
        let counts = try await outbox.counts()
        let page = OutboxPage(
            messages: messages.map {
                .init(
                    id: $0.id, createdAt: AccountService.format($0.createdAt), to: $0.recipient, subject: $0.subject,
                    kind: $0.kind, status: $0.status,
                    statusClass: $0.status == "sent" ? "ok" : ($0.status == "failed" ? "failed" : "pending"),
                    attempts: $0.attempts, lastError: $0.lastError,
                    emlHref: $0.recipient == "(erased)" ? nil : "/admin/outbox/\($0.id).eml")
            },
            counts: .init(
                sent: counts["sent", default: 0], pending: counts["pending", default: 0],
                failed: counts["failed", default: 0]),
            relayConfigured: relayConfigured)
        return console(
            "admin/outbox", title: "Outbox", page: .outbox, member: member, request: request, context: context,
            content: page)
    }

    /// One stored message as an `.eml` file (what was, or will be, handed to the relay).
    @Sendable func outboxMessage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await authorize(context, for: .outbox)
        let name = context.parameters.get("id") ?? ""
        let id = name.hasSuffix(".eml") ? String(name.dropLast(4)) : name
        guard let message = try await outbox.find(id: id) else { throw HTTPError(.notFound) }
        // Reading someone's message is viewing their data: the staff member says why first, and that is recorded.
        guard let purpose = request.uri.queryParameters["purpose"].flatMap({ ViewingPurpose(rawValue: String($0)) })
        else {
            return console(
                "admin/purpose", title: "Why do you open this message?", page: .outbox, member: member,
                request: request, context: context,
                content: PurposePage(
                    action: "/admin/outbox/\(id).eml", what: "the message “\(message.subject)” to \(message.recipient)",
                    purposes: ViewingPurpose.allCases.map { .init(value: $0.rawValue, label: $0.label) }))
        }
        try await staff.audit.record(
            "outbox.view", actor: .staff(member.id), subject: message.subjectID, requestID: context.requestID,
            details: ["outbox_id": id, "purpose": purpose.rawValue])
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/plain; charset=utf-8",
                .contentDisposition: "inline; filename=\"\(id).eml\"",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: .init(string: message.raw)))
    }

    @Sendable func staffPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await authorize(context, for: .staff)
        return try await renderStaff(request, context, member: member, email: "", role: .editor, errors: [:])
    }

    @Sendable func invite(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await authorize(context, for: .staff)
        let email = context.form.text("email")
        guard let role = StaffRole(rawValue: context.form.text("role")) else {
            return try await renderStaff(
                request, context, member: member, email: email, role: .editor, errors: ["role": "Choose a role."])
        }
        do {
            _ = try await staff.createInvite(email: email, role: role, invitedBy: member, requestID: context.requestID)
        } catch StaffError.invalid(let errors) {
            return try await renderStaff(request, context, member: member, email: email, role: role, errors: errors)
        }
        var response = redirect(AdminPage.staff.path)
        response.setCookie(cookies.sessionCookie(cookies.flash, Flash.staffInvited.rawValue))
        return response
    }

    private func renderStaff(
        _ request: Request, _ context: AppRequestContext, member: StaffMember, email: String, role: StaffRole,
        errors: [String: String]
    ) async throws -> Response {
        let page = StaffPage(
            members: try await staff.all().map {
                .init(
                    name: $0.name, email: $0.email, role: $0.role.label, mfa: $0.totpEnabled,
                    createdAt: AccountService.format($0.createdAt))
            },
            invites: try await staff.openInvites().map {
                .init(email: $0.email ?? "", role: $0.role.label, expiresAt: AccountService.format($0.expiresAt))
            },
            fields: ["email": FieldView("email", label: "E-mail", type: "email", value: email, error: errors["email"])],
            formError: errors.isEmpty ? nil : "The invitation was not sent.",
            roles: StaffRole.allCases.map { .init(value: $0.rawValue, label: $0.label, selected: $0 == role) },
            canInvite: true)
        return console(
            "admin/staff", title: "Staff", page: .staff, member: member, request: request, context: context,
            content: page, status: errors.isEmpty ? .ok : .badRequest)
    }

    // MARK: Access

    /// The signed-in staff member, or a redirect to the sign-in page.
    private func signedIn(_ context: AppRequestContext, allowingMissingFactor: Bool) async throws -> StaffMember {
        guard let session = context.staff, let member = try await staff.member(id: session.staffID) else {
            throw RedirectError(location: SitePath.adminLogin.path)
        }
        if !allowingMissingFactor && !session.secondFactorPassed {
            throw RedirectError(
                location: member.totpEnabled ? SitePath.adminTOTPVerify.path : SitePath.adminTOTPSetup.path)
        }
        return member
    }

    /// The staff member when their role may see `page`; 403 otherwise.
    func authorize(_ context: AppRequestContext, for page: AdminPage) async throws -> StaffMember {
        let member = try await signedIn(context, allowingMissingFactor: false)
        guard page.roles.contains(member.role) else {
            throw HTTPError(.forbidden, message: "Your role (\(member.role.label)) may not see this page.")
        }
        return member
    }

    func console(
        _ template: String, title: String, page: AdminPage, member: StaffMember, request: Request,
        context: AppRequestContext, content: Any, status: HTTPResponse.Status = .ok
    ) -> Response {
        var merged: [String: Any] = [:]
        Renderer.merge(content, into: &merged)
        merged["adminNav"] = AdminPage.all.filter { $0.roles.contains(member.role) }.map {
            AdminLayoutExtras.NavItem(label: $0.label, href: $0.path, isActive: $0.path == page.path)
        }
        merged["staff"] = AdminLayoutExtras.StaffView(name: member.name, role: member.role.label)
        return renderer.page(
            template, title: title, content: merged, layout: plainLayout(request, context), status: status)
    }

    private func plainLayout(_ request: Request, _ context: AppRequestContext) -> LayoutInput {
        LayoutInput(csrfToken: context.csrfToken, flash: context.flash, path: request.uri.path)
    }

    private func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
