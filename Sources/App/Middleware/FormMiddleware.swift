import Crypto
import Foundation
import Hummingbird
import Vault

/// Parses form posts within the body limit and checks their CSRF token; keeps the CSRF cookie and the flash.
///
/// CSRF uses a signed double-submit token: a random cookie, and in each form the HMAC of that cookie under a
/// key derived from the master key. A page on another site can neither read the cookie nor compute the HMAC.
struct FormMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let cookies: CookieSettings
    let secret: SymmetricKey
    let maxBodySize: Int
    /// Paths whose POSTs are not forms from our pages (signed or token-authenticated by other means).
    let exemptPrefixes: [String]
    /// Paths whose form posts may come from other sites or mail clients: parsed, but not CSRF-checked (the public
    /// subscription form, which double opt-in protects, and one-click unsubscribe, which its token authenticates).
    var crossSitePaths: Set<String> = []
    /// Path prefixes that accept larger forms (CSV imports), with their limit in bytes.
    var largeBodyPrefixes: [(prefix: String, limit: Int)] = []

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if StaticPaths.skipsSession(request.uri.path) {
            return try await next(request, context)
        }
        var context = context
        var request = request
        var newCSRFCookie: String?
        let csrfCookie: String
        if let existing = request.cookies[cookies.csrf]?.value, existing.count >= 20 {
            csrfCookie = existing
        } else {
            csrfCookie = Token.generate(byteCount: 18)
            newCSRFCookie = csrfCookie
        }
        context.csrfToken = Self.token(for: csrfCookie, secret: secret)
        if let flash = request.cookies[cookies.flash]?.value {
            context.flash = Flash(rawValue: flash)
        }

        if request.method == .post && !exemptPrefixes.contains(where: { request.uri.path.hasPrefix($0) }) {
            let path = request.uri.path
            let limit = largeBodyPrefixes.first { path.hasPrefix($0.prefix) }?.limit ?? maxBodySize
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: limit)
            } catch {
                throw HTTPError(.contentTooLarge)
            }
            context.form = FormData(urlEncoded: String(buffer: body))
            let crossSite = crossSitePaths.contains(path)
            guard
                crossSite
                    || (newCSRFCookie == nil
                        && context.form["csrf"].map {
                            Token.constantTimeEquals($0, context.csrfToken)
                        } == true)
            else {
                throw HTTPError(
                    .forbidden,
                    message: "This form expired or came from another site. Go back, reload the page and try again.")
            }
        }

        var response = try await next(request, context)
        if let newCSRFCookie {
            response.setCookie(cookies.sessionCookie(cookies.csrf, newCSRFCookie))
        }
        if context.flash != nil, request.method == .get,
            !response.headers[values: .setCookie].contains(where: { $0.hasPrefix(cookies.flash + "=") })
        {
            response.setCookie(cookies.expired(cookies.flash))
        }
        return response
    }

    /// The form token for a CSRF cookie value.
    static func token(for cookie: String, secret: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(cookie.utf8), using: secret)
        return Token.base64URL(Array(mac))
    }
}
