import Foundation
import Hummingbird

/// Steward's cookies: names and attributes in one place.
///
/// Under HTTPS the names carry the `__Host-` prefix (Secure, Path=/, no Domain), so no subdomain can set them.
struct CookieSettings: Sendable {
    let secure: Bool

    var session: String { name("steward_session") }
    var staffSession: String { name("steward_staff") }
    var remember: String { name("steward_remember") }
    var csrf: String { name("steward_csrf") }
    var flash: String { name("steward_flash") }
    var consent: String { name("steward_consent") }

    private func name(_ base: String) -> String { secure ? "__Host-" + base : base }

    /// A cookie that lives until the browser closes.
    func sessionCookie(_ name: String, _ value: String) -> Cookie {
        Cookie(name: name, value: value, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// A cookie that lives for `seconds`.
    func persistentCookie(_ name: String, _ value: String, seconds: Int) -> Cookie {
        Cookie(
            name: name, value: value, expires: Date().addingTimeInterval(Double(seconds)), maxAge: seconds, path: "/",
            secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// A cookie that tells the browser to forget `name`.
    func expired(_ name: String) -> Cookie {
        Cookie(
            name: name, value: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/", secure: secure,
            httpOnly: true, sameSite: .lax)
    }
}
