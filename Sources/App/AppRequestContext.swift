import Foundation
import Hummingbird
import NIOCore

/// The per-request context: request id, the signed-in member or staff member, the form and the CSRF token.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's peer address (the security log records it).
    public let remoteAddress: SocketAddress?
    /// A short random id, echoed as `X-Request-Id` and attached to every log line and audit entry.
    public var requestID = ""
    /// The member signed in on this request, if any.
    public var member: MemberSession?
    /// The staff member signed in on this request, if any (second factor not necessarily passed).
    public var staff: StaffSession?
    /// The CSRF token forms on this page must carry.
    public var csrfToken = ""
    /// The submitted form of a POST, parsed and CSRF-checked by ``FormMiddleware``.
    public var form = FormData()
    /// A one-time message from the previous request (set on redirect).
    public var flash: Flash?
    /// Whether the browser sent `Sec-GPC: 1`.
    public var gpc = false
    /// The visitor's current cookie choice (nil until they choose, or when the policy asks again).
    var cookieChoice: CookieChoice?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address as text ("unknown" when the transport has none, as in router tests).
    public var clientIP: String {
        remoteAddress?.ipAddress ?? "unknown"
    }
}

/// A signed-in member's session.
public struct MemberSession: Sendable {
    /// The session's id (the hash of its cookie token).
    public let sessionID: String
    /// The member.
    public let memberID: String
}

/// A signed-in staff member's session.
public struct StaffSession: Sendable {
    /// The session's id (the hash of its cookie token).
    public let sessionID: String
    /// The staff member.
    public let staffID: String
    /// Whether the TOTP second factor was passed in this session.
    public let secondFactorPassed: Bool
}

/// A submitted `application/x-www-form-urlencoded` form.
public struct FormData: Sendable {
    /// Every field's values in order.
    public private(set) var values: [String: [String]] = [:]

    /// Creates an empty form.
    public init() {}

    /// Parses a form body.
    public init(urlEncoded body: String) {
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            values[key, default: []].append(value)
        }
    }

    /// The first value of a field, or nil.
    public subscript(_ key: String) -> String? { values[key]?.first }

    /// The first value of a field trimmed of surrounding white space, or "".
    public func text(_ key: String) -> String {
        (values[key]?.first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether a checkbox was ticked.
    public func isChecked(_ key: String) -> Bool {
        values[key] != nil
    }

    private static func decode(_ part: Substring) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
