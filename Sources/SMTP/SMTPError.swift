/// An SMTP failure, classified for retry decisions.
///
/// - Important: `message` is the server's reply text, which may quote an address; log the code, not the message.
public enum SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A 4xx reply: try again later.
    case transient(code: Int, message: String)
    /// A 5xx reply: give up on this message and keep the reason.
    case permanent(code: Int, message: String)
    /// Could not connect, TLS failed, the server closed the connection early or spoke nonsense: try again later.
    case connectionFailed(String)
    /// The server did not answer in time: try again later.
    case timeout
    /// Credentials were configured but the server offers neither AUTH PLAIN nor AUTH LOGIN.
    case authenticationUnsupported

    /// Whether trying again later may succeed.
    public var isTransient: Bool {
        switch self {
        case .transient, .connectionFailed, .timeout:
            return true
        case .permanent, .authenticationUnsupported:
            return false
        }
    }

    public var description: String {
        switch self {
        case .transient(let code, let message):
            return "SMTP temporary failure \(code): \(message)"
        case .permanent(let code, let message):
            return "SMTP permanent failure \(code): \(message)"
        case .connectionFailed(let reason):
            return "SMTP connection failed: \(reason)"
        case .timeout:
            return "SMTP server did not answer in time."
        case .authenticationUnsupported:
            return "SMTP server offers neither AUTH PLAIN nor AUTH LOGIN."
        }
    }
}
