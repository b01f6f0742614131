import Foundation
import Hummingbird
import Vault

/// The member pages under `/account`.
struct AccountController: Sendable {
    let accounts: AccountService
    let renderer: Renderer
    let cookies: CookieSettings
    let layouts: LayoutService

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/account/register", use: registerForm)
        router.post("/account/register", use: register)
        router.get("/account/verify", use: verify)
        router.post("/account/verify/resend", use: resendVerification)
        router.get("/account/login", use: loginForm)
        router.post("/account/login", use: login)
        router.post("/account/logout", use: logout)
        router.get("/account", use: profile)
        router.post("/account", use: saveProfile)
        router.get("/account/email", use: emailForm)
        router.post("/account/email", use: changeEmail)
        router.get("/account/password", use: passwordForm)
        router.post("/account/password", use: changePassword)
        router.get("/account/reset", use: resetForm)
        router.post("/account/reset", use: requestReset)
        router.get("/account/reset/confirm", use: resetConfirmForm)
        router.post("/account/reset/confirm", use: confirmReset)
        router.get("/account/delete", use: deleteForm)
        router.post("/account/delete", use: delete)
    }

    // MARK: Registration and verification

    @Sendable func registerForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        if context.member != nil { return redirect(.account) }
        return try await renderRegister(
            context: context, request: request,
            profile: .init(name: "", street: "", postalCode: "", city: "", country: "", extra: ""),
            email: "", errors: [:])
    }

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> Response {
        let profile = ProfileFields.read(context.form)
        let email = context.form.text("email")
        let consents = accounts.consentChoices.map { ($0.id, context.form.isChecked("consent_" + $0.id)) }
        do {
            let result = try await accounts.register(
                .init(
                    email: email, profile: profile, password: context.form["password"] ?? "",
                    consents: consents.filter(\.1).map(\.0)),
                request: info(request, context))
            var response = redirect(.account, flash: .registered)
            try await endSessions(context)
            response.setCookie(cookies.sessionCookie(cookies.session, result.sessionToken))
            return response
        } catch AccountError.invalid(let errors) {
            return try await renderRegister(
                context: context, request: request, profile: profile, email: email, errors: errors,
                checked: Set(consents.filter(\.1).map(\.0)), status: .badRequest)
        }
    }

    private func renderRegister(
        context: AppRequestContext, request: Request, profile: MemberProfile, email: String, errors: [String: String],
        checked: Set<String> = [], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var fields = ProfileFields.make(profile, errors: errors)
        fields["email"] = FieldView(
            "email", label: "E-mail", type: "email", value: email, error: errors["email"], autocomplete: "email",
            maxlength: 254)
        fields["password"] = FieldView(
            "password", label: "Password", type: "password", error: errors["password"],
            hint: "At least 8 characters. Long passphrases welcome.", autocomplete: "new-password")
        return renderer.page(
            "account/register", title: "Create account",
            content: FormPage(
                fields: fields, formError: errors.isEmpty ? nil : "Some fields need attention.",
                consents: accounts.consentChoices.map {
                    FieldView(
                        "consent_" + $0.id, label: $0.label, type: "checkbox", value: "on", hint: $0.description,
                        required: false, checked: checked.contains($0.id))
                }),
            layout: try await layout(request, context), status: status)
    }

    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = request.uri.queryParameters["token"].map(String.init) ?? ""
        let verified = token.isEmpty ? false : try await accounts.verify(token: token, request: info(request, context))
        let page =
            verified
            ? VerifyPage(
                verified: true, heading: "Your e-mail address is confirmed",
                message: "Thank you. Your account is fully set up.")
            : VerifyPage(
                verified: false, heading: "This link does not work",
                message: "The confirmation link is invalid, was already used, or expired after 24 hours.")
        return renderer.page(
            "account/verify", title: page.heading, content: page, layout: try await layout(request, context),
            status: verified ? .ok : .badRequest)
    }

    @Sendable func resendVerification(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let member = context.member else { return redirect(.login(next: SitePath.account.path)) }
        try await accounts.resendVerification(memberID: member.memberID, request: info(request, context))
        return redirect(.account, flash: .verificationSent)
    }

    // MARK: Sign-in

    @Sendable func loginForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let next = safeNext(request.uri.queryParameters["next"].map(String.init))
        if context.member != nil { return redirect(to: next ?? SitePath.account.path) }
        return try await renderLogin(request, context, email: "", remember: false, next: next, error: nil)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let email = context.form.text("email")
        let remember = context.form.isChecked("remember")
        let next = safeNext(context.form["next"])
        var errors: [String: String] = [:]
        if email.isEmpty { errors["email"] = "Enter your e-mail address." }
        if (context.form["password"] ?? "").isEmpty { errors["password"] = "Enter your password." }
        guard errors.isEmpty else {
            return try await renderLogin(
                request, context, email: email, remember: remember, next: next, error: nil, fieldErrors: errors)
        }
        do {
            let result = try await accounts.login(
                email: email, password: context.form["password"] ?? "", remember: remember,
                request: info(request, context))
            var response = redirect(to: next ?? SitePath.account.path, flash: .signedIn)
            try await endSessions(context)
            response.setCookie(cookies.sessionCookie(cookies.session, result.sessionToken))
            if let rememberToken = result.rememberToken {
                response.setCookie(
                    cookies.persistentCookie(
                        cookies.remember, rememberToken, seconds: Int(AccountService.rememberLifetime / 1000)))
            }
            return response
        } catch AccountError.wrongCredentials {
            return try await renderLogin(
                request, context, email: email, remember: remember, next: next, error: "E-mail or password is wrong.",
                status: .unauthorized)
        }
    }

    private func renderLogin(
        _ request: Request, _ context: AppRequestContext, email: String, remember: Bool, next: String?, error: String?,
        fieldErrors: [String: String] = [:], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let fields = [
            "email": FieldView(
                "email", label: "E-mail", type: "email", value: email, error: fieldErrors["email"],
                autocomplete: "email"),
            "password": FieldView(
                "password", label: "Password", type: "password", error: fieldErrors["password"],
                autocomplete: "current-password"),
            "remember": FieldView(
                "remember", label: "Remember me on this device", type: "checkbox", value: "on",
                hint: "Keeps you signed in for 30 days on this browser.", required: false, checked: remember),
        ]
        return renderer.page(
            "account/login", title: "Log in", content: FormPage(fields: fields, formError: error, next: next ?? ""),
            layout: try await layout(request, context), status: status)
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await accounts.logout(
            sessionID: context.member?.sessionID, rememberToken: request.cookies[cookies.remember]?.value,
            memberID: context.member?.memberID, request: info(request, context))
        var response = redirect(.home, flash: .signedOut)
        response.setCookie(cookies.expired(cookies.session))
        response.setCookie(cookies.expired(cookies.remember))
        return response
    }

    // MARK: Profile

    @Sendable func profile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        return try await renderProfile(request, context, member: member, profile: member.profile, errors: [:])
    }

    @Sendable func saveProfile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        let profile = ProfileFields.read(context.form)
        do {
            try await accounts.updateProfile(memberID: member.id, profile: profile, request: info(request, context))
            return redirect(.account, flash: .profileSaved)
        } catch AccountError.invalid(let errors) {
            return try await renderProfile(
                request, context, member: member, profile: profile, errors: errors, status: .badRequest)
        }
    }

    private func renderProfile(
        _ request: Request, _ context: AppRequestContext, member: Member, profile: MemberProfile,
        errors: [String: String], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let events = try await accounts.recentSignIns(subjectID: member.subjectID)
        let page = ProfilePage(
            fields: ProfileFields.make(profile, errors: errors),
            formError: errors.isEmpty ? nil : "Some fields need attention.",
            email: member.email,
            pendingEmail: member.pendingEmail,
            memberSince: AccountService.format(member.createdAt),
            signIns: events.map {
                .init(
                    time: AccountService.format($0.createdAt), ip: $0.ip, browser: BrowserName.describe($0.userAgent),
                    event: Self.describe(event: $0.kind))
            })
        return renderer.page(
            "account/profile", title: "Your account", content: page,
            layout: try await layout(request, context, member: member), status: status)
    }

    static func describe(event: String) -> String {
        switch event {
        case "register": "Account created"
        case "login": "Signed in"
        case "login_remembered": "Signed in (remembered)"
        case "login_failed": "Failed sign-in"
        case "password_change": "Password changed"
        case "password_reset": "Password reset"
        case "email_change": "E-mail changed"
        default: event
        }
    }

    // MARK: Credentials

    @Sendable func emailForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        return try await renderEmail(request, context, member: member, newEmail: "", errors: [:])
    }

    @Sendable func changeEmail(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        let newEmail = context.form.text("newEmail")
        do {
            try await accounts.requestEmailChange(
                memberID: member.id, newEmail: newEmail, password: context.form["password"] ?? "",
                request: info(request, context))
            return redirect(.accountEmail, flash: .emailChangeSent)
        } catch AccountError.invalid(let errors) {
            return try await renderEmail(
                request, context, member: member, newEmail: newEmail, errors: errors, status: .badRequest)
        }
    }

    private func renderEmail(
        _ request: Request, _ context: AppRequestContext, member: Member, newEmail: String, errors: [String: String],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let fields = [
            "newEmail": FieldView(
                "newEmail", label: "New e-mail", type: "email", value: newEmail, error: errors["newEmail"],
                autocomplete: "email", maxlength: 254),
            "password": FieldView(
                "password", label: "Current password", type: "password", error: errors["password"],
                autocomplete: "current-password"),
        ]
        return renderer.page(
            "account/email", title: "Change e-mail",
            content: EmailPage(fields: fields, formError: nil, pendingEmail: member.pendingEmail),
            layout: try await layout(request, context, member: member), status: status)
    }

    @Sendable func passwordForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        return renderer.page(
            "account/password", title: "Change password", content: FormPage(fields: passwordFields([:])),
            layout: try await layout(request, context, member: member))
    }

    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        do {
            try await accounts.changePassword(
                memberID: member.id, currentSessionID: context.member?.sessionID ?? "",
                current: context.form["currentPassword"] ?? "", new: context.form["newPassword"] ?? "",
                request: info(request, context))
            var response = redirect(.account, flash: .passwordChanged)
            response.setCookie(cookies.expired(cookies.remember))
            return response
        } catch AccountError.invalid(let errors) {
            return renderer.page(
                "account/password", title: "Change password", content: FormPage(fields: passwordFields(errors)),
                layout: try await layout(request, context, member: member), status: .badRequest)
        }
    }

    private func passwordFields(_ errors: [String: String]) -> [String: FieldView] {
        [
            "currentPassword": FieldView(
                "currentPassword", label: "Current password", type: "password", error: errors["currentPassword"],
                autocomplete: "current-password"),
            "newPassword": FieldView(
                "newPassword", label: "New password", type: "password", error: errors["newPassword"],
                hint: "At least 8 characters. Long passphrases welcome.", autocomplete: "new-password"),
        ]
    }

    @Sendable func resetForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        renderer.page(
            "account/reset", title: "Reset password",
            content: ResetPage(
                fields: ["email": FieldView("email", label: "E-mail", type: "email", autocomplete: "email")],
                formError: nil, sent: false),
            layout: try await layout(request, context))
    }

    @Sendable func requestReset(_ request: Request, context: AppRequestContext) async throws -> Response {
        let email = context.form.text("email")
        if email.isEmpty {
            return renderer.page(
                "account/reset", title: "Reset password",
                content: ResetPage(
                    fields: [
                        "email": FieldView(
                            "email", label: "E-mail", type: "email", error: "Enter your e-mail address.",
                            autocomplete: "email")
                    ], formError: nil, sent: false),
                layout: try await layout(request, context), status: .badRequest)
        }
        try await accounts.requestReset(email: email, request: info(request, context))
        return renderer.page(
            "account/reset", title: "Reset password",
            content: ResetPage(
                fields: ["email": FieldView("email", label: "E-mail", type: "email", value: email)], formError: nil,
                sent: true),
            layout: try await layout(request, context))
    }

    @Sendable func resetConfirmForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = request.uri.queryParameters["token"].map(String.init) ?? ""
        let valid = token.isEmpty ? false : try await accounts.isResetTokenValid(token)
        return renderer.page(
            "account/reset-confirm", title: "Choose a new password",
            content: ResetConfirmPage(fields: newPasswordField(nil), formError: nil, token: token, invalid: !valid),
            layout: try await layout(request, context), status: valid ? .ok : .badRequest)
    }

    @Sendable func confirmReset(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = context.form["token"] ?? ""
        do {
            try await accounts.reset(
                token: token, newPassword: context.form["newPassword"] ?? "", request: info(request, context))
            var response = redirect(.login(next: nil), flash: .passwordReset)
            response.setCookie(cookies.expired(cookies.session))
            response.setCookie(cookies.expired(cookies.remember))
            return response
        } catch AccountError.invalid(let errors) {
            return renderer.page(
                "account/reset-confirm", title: "Choose a new password",
                content: ResetConfirmPage(
                    fields: newPasswordField(errors["newPassword"]), formError: nil, token: token, invalid: false),
                layout: try await layout(request, context), status: .badRequest)
        } catch AccountError.invalidLink {
            return renderer.page(
                "account/reset-confirm", title: "Choose a new password",
                content: ResetConfirmPage(fields: newPasswordField(nil), formError: nil, token: "", invalid: true),
                layout: try await layout(request, context), status: .badRequest)
        }
    }

    private func newPasswordField(_ error: String?) -> [String: FieldView] {
        [
            "newPassword": FieldView(
                "newPassword", label: "New password", type: "password", error: error,
                hint: "At least 8 characters. Long passphrases welcome.", autocomplete: "new-password")
        ]
    }

    // MARK: Erasure

    @Sendable func deleteForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        return renderer.page(
            "account/delete", title: "Delete account", content: FormPage(fields: deleteFields(nil)),
            layout: try await layout(request, context, member: member))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let member = try await accounts.requireMember(request, context)
        do {
            try await accounts.delete(
                memberID: member.id, password: context.form["password"] ?? "", request: info(request, context))
        } catch AccountError.invalid(let errors) {
            return renderer.page(
                "account/delete", title: "Delete account", content: FormPage(fields: deleteFields(errors["password"])),
                layout: try await layout(request, context, member: member), status: .badRequest)
        }
        var response = redirect(.home, flash: .accountDeleted)
        response.setCookie(cookies.expired(cookies.session))
        response.setCookie(cookies.expired(cookies.remember))
        return response
    }

    private func deleteFields(_ error: String?) -> [String: FieldView] {
        [
            "password": FieldView(
                "password", label: "Password", type: "password", error: error, autocomplete: "current-password")
        ]
    }

    // MARK: Helpers

    func layout(_ request: Request, _ context: AppRequestContext, member: Member? = nil) async throws -> LayoutInput {
        try await layouts.input(request, context, member: member)
    }

    private func info(_ request: Request, _ context: AppRequestContext) -> RequestInfo {
        RequestInfo(ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "", requestID: context.requestID)
    }

    private func safeNext(_ next: String?) -> String? {
        guard let next, !next.isEmpty, SitePath.isLocal(next) else { return nil }
        return next
    }

    /// Sessions present before a sign-in end, so the new session has a new id (fixation).
    private func endSessions(_ context: AppRequestContext) async throws {
        if let session = context.member {
            try await accounts.sessions.delete(id: session.sessionID)
        }
    }

    private func redirect(_ path: SitePath, flash: Flash? = nil) -> Response {
        redirect(to: path.path, flash: flash)
    }

    private func redirect(to location: String, flash: Flash? = nil) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        if let flash {
            response.setCookie(cookies.sessionCookie(cookies.flash, flash.rawValue))
        }
        return response
    }
}

/// Thrown to send the browser elsewhere (to the login page when a member page needs a session).
struct RedirectError: Error, HTTPResponseError {
    let location: String
    var status: HTTPResponse.Status { .seeOther }
    var headers: HTTPFields { [.location: location] }
    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
