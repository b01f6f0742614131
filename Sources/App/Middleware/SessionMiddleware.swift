import Hummingbird
import Vault

/// Finds the member and staff sessions from their cookies; signs a returning member in from the remember-me
/// cookie (rotating it), and clears cookies that no longer match a session.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let sessions: SQLSessionRepository
    let accounts: AccountService
    let cookies: CookieSettings
    let clock: any WallClock

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        // Static files need no session.
        if StaticPaths.skipsSession(request.uri.path) {
            return try await next(request, context)
        }
        var context = context
        var setCookies: [Cookie] = []
        let now = clock.milliseconds
        if let token = request.cookies[cookies.session]?.value {
            if let record = try await sessions.find(token: token, kind: "member", now: now) {
                context.member = MemberSession(sessionID: record.id, memberID: record.principalID)
            } else {
                setCookies.append(cookies.expired(cookies.session))
            }
        }
        if context.member == nil, let remember = request.cookies[cookies.remember]?.value {
            let info = RequestInfo(
                ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "", requestID: context.requestID)
            if let resumed = try await accounts.resume(rememberToken: remember, request: info) {
                context.member = MemberSession(
                    sessionID: Vault.Token.hash(resumed.sessionToken), memberID: resumed.memberID)
                setCookies.append(cookies.sessionCookie(cookies.session, resumed.sessionToken))
                setCookies.append(
                    cookies.persistentCookie(
                        cookies.remember, resumed.rememberToken, seconds: Int(AccountService.rememberLifetime / 1000)))
            } else {
                setCookies.append(cookies.expired(cookies.remember))
            }
        }
        if let token = request.cookies[cookies.staffSession]?.value {
            if let record = try await sessions.find(token: token, kind: "staff", now: now) {
                context.staff = StaffSession(
                    sessionID: record.id, staffID: record.principalID, secondFactorPassed: record.secondFactorAt != nil)
            } else {
                setCookies.append(cookies.expired(cookies.staffSession))
            }
        }
        var response = try await next(request, context)
        for cookie in setCookies
        where !response.headers[values: .setCookie].contains(where: { $0.hasPrefix(cookie.name + "=") }) {
            response.setCookie(cookie)
        }
        return response
    }
}
