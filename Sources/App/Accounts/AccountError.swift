import Hummingbird

/// What can go wrong with accounts, mapped to a status and a safe message at the HTTP edge.
enum AccountError: Error, Equatable {
    /// The submitted fields have problems; keys are field names.
    case invalid([String: String])
    /// Wrong e-mail or password (never says which).
    case wrongCredentials
    /// The account no longer exists.
    case notFound
    /// A link is invalid, used or expired.
    case invalidLink
    /// Too many attempts; try again after this many seconds.
    case rateLimited(retryAfter: Int)
    /// Too many password checks at once; try again shortly.
    case busy
}

/// Who is asking, for the security log and the audit log.
struct RequestInfo: Sendable {
    let ip: String
    let userAgent: String
    let requestID: String
}
