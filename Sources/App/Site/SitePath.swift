import Foundation

/// Every path Steward links to, in one place: redirects, e-mails and templates use these.
enum SitePath: Sendable {
    case home
    case register
    case login(next: String?)
    case logout
    case verify(token: String)
    case verifyResend
    case account
    case accountEmail
    case accountPassword
    case accountReset
    case resetConfirm(token: String)
    case accountDelete
    case adminHome
    case adminLogin
    case adminSetup(token: String)
    case adminTOTPSetup
    case adminTOTPVerify
    case adminOutbox
    case adminStaff
    case privacy
    case privacyVersions
    case cookies
    case accountPrivacy
    case subscribe
    case subscribeConfirm(token: String)
    case unsubscribe(token: String)
    case accountSubscriptions
    case accountNotifications
    case privacyRequest
    case privacyRequestConfirm(token: String)
    case privacyRequestDownload(token: String)
    case adminRequests
    case adminRequest(id: String)
    case adminAudit
    /// The open pixel of a campaign message (`token` from ``MailTrackingSigner``).
    case trackOpen(token: String)
    /// A tracked link of a campaign message, leading to `url`.
    case trackClick(token: String, url: String)

    /// The characters a query value keeps as they are (RFC 3986 unreserved).
    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// The path with its query.
    var path: String {
        switch self {
        case .home: "/"
        case .register: "/account/register"
        case .login(let next):
            next.map {
                "/account/login?next=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            }
                ?? "/account/login"
        case .logout: "/account/logout"
        case .verify(let token): "/account/verify?token=" + token
        case .verifyResend: "/account/verify/resend"
        case .account: "/account"
        case .accountEmail: "/account/email"
        case .accountPassword: "/account/password"
        case .accountReset: "/account/reset"
        case .resetConfirm(let token): "/account/reset/confirm?token=" + token
        case .accountDelete: "/account/delete"
        case .adminHome: "/admin"
        case .adminLogin: "/admin/login"
        case .adminSetup(let token): "/admin/setup?token=" + token
        case .adminTOTPSetup: "/admin/totp/setup"
        case .adminTOTPVerify: "/admin/totp"
        case .adminOutbox: "/admin/outbox"
        case .adminStaff: "/admin/staff"
        case .privacy: "/privacy"
        case .privacyVersions: "/privacy/versions"
        case .cookies: "/cookies"
        case .accountPrivacy: "/account/privacy"
        case .subscribe: "/subscribe"
        case .subscribeConfirm(let token): "/subscribe/confirm?token=" + token
        case .unsubscribe(let token): "/unsubscribe?t=" + token
        case .accountSubscriptions: "/account/subscriptions"
        case .accountNotifications: "/account/notifications"
        case .privacyRequest: "/privacy/request"
        case .privacyRequestConfirm(let token): "/privacy/request/confirm?token=" + token
        case .privacyRequestDownload(let token): "/privacy/request/download?token=" + token
        case .adminRequests: "/admin/requests"
        case .adminRequest(let id): "/admin/requests/" + id
        case .adminAudit: "/admin/audit"
        case .trackOpen(let token): "/t/o/" + token + ".gif"
        case .trackClick(let token, let url):
            "/t/c/" + token + "?u=" + (url.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? "")
        }
    }

    /// Whether `next` is a safe local redirect target: one path on this site, never another host.
    static func isLocal(_ next: String) -> Bool {
        guard next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\") else { return false }
        return !next.contains(where: { $0 == "\\" || $0.isNewline || $0 == "\0" }) && !next.contains("://")
    }
}

/// Absolute links for e-mails, from the configured base URL.
struct SiteLinks: Sendable {
    let baseURL: URL

    /// The absolute URL of a path.
    func url(_ path: SitePath) -> String {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + path.path
    }
}
