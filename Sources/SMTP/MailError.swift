/// Why a mailbox or message was refused before anything was sent.
///
/// Descriptions name the offending field and the rule it broke, never the value itself, so they are safe to log.
public enum MailError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An address is malformed; the associated text names the field and the reason.
    case invalidAddress(String)
    /// A header value contains CR, LF or NUL, which would let it inject further headers.
    case headerInjection(field: String)
    /// A header name or structured value (Message-ID, extra header name) is malformed or reserved.
    case invalidHeader(field: String)

    public var description: String {
        switch self {
        case .invalidAddress(let reason):
            return "Invalid e-mail address: \(reason)."
        case .headerInjection(let field):
            return "The \(field) header contains a line break or NUL character."
        case .invalidHeader(let field):
            return "The \(field) header is malformed or not allowed."
        }
    }
}
