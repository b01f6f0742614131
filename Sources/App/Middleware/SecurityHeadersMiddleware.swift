import Hummingbird

/// Security headers on every answer: a CSP without inline script, no framing, no sniffing, a strict referrer
/// policy, and HSTS when the site is served over HTTPS.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let isHTTPS: Bool

    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        Self.apply(to: &response.headers, isHTTPS: isHTTPS)
        return response
    }

    static func apply(to headers: inout HTTPFields, isHTTPS: Bool) {
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.init("Referrer-Policy")!] = "strict-origin-when-cross-origin"
        headers[.init("Permissions-Policy")!] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        headers[.init("Cross-Origin-Opener-Policy")!] = "same-origin"
        if isHTTPS {
            headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains"
        }
    }
}
