import HTTPTypes
import Hummingbird

/// Security headers on every answer: a CSP without inline script, no framing, no sniffing, a strict referrer
/// policy, and HSTS when the site is served over HTTPS.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let isHTTPS: Bool

    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    /// A header a page sets when it loads Google Analytics (after consent); never sent to the browser.
    static let thirdPartyMarker = HTTPField.Name("X-Steward-Third-Party")!

    /// A header a response sets to replace the CSP with a stricter one of its own (the e-mail preview, which
    /// shows staff-written HTML with its inline styles but no script); never sent to the browser.
    static let ownPolicyMarker = HTTPField.Name("X-Steward-Own-CSP")!

    /// The CSP of a page that loads Google Analytics: its hosts are allowed there and nowhere else.
    static let contentSecurityPolicyWithAnalytics =
        "default-src 'self'; script-src 'self' https://www.googletagmanager.com; style-src 'self'; "
        + "img-src 'self' data: https://*.google-analytics.com https://*.googletagmanager.com; font-src 'self'; "
        + "connect-src 'self' https://*.google-analytics.com https://*.analytics.google.com "
        + "https://*.googletagmanager.com; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        let analytics = response.headers[Self.thirdPartyMarker] != nil
        response.headers[Self.thirdPartyMarker] = nil
        let ownPolicy = response.headers[Self.ownPolicyMarker]
        response.headers[Self.ownPolicyMarker] = nil
        Self.apply(to: &response.headers, isHTTPS: isHTTPS)
        if analytics { response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicyWithAnalytics }
        if let ownPolicy {
            response.headers[.contentSecurityPolicy] = ownPolicy
            // Such a page may be framed by our own pages (the e-mail preview in the console).
            response.headers[Names.frameOptions] = "SAMEORIGIN"
        }
        return response
    }

    static func apply(to headers: inout HTTPFields, isHTTPS: Bool) {
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[Names.contentTypeOptions] = "nosniff"
        headers[Names.frameOptions] = "DENY"
        headers[Names.referrerPolicy] = "strict-origin-when-cross-origin"
        headers[Names.permissionsPolicy] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        headers[Names.openerPolicy] = "same-origin"
        if isHTTPS {
            headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains"
        }
    }

    /// Header names parsed once, not on every answer.
    private enum Names {
        static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
        static let frameOptions = HTTPField.Name("X-Frame-Options")!
        static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
        static let permissionsPolicy = HTTPField.Name("Permissions-Policy")!
        static let openerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!
    }
}
