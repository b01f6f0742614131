import NIOSSL

/// Where and how to reach the relay.
///
/// Usually parsed from a URL (see `init(url:)`):
/// - `smtp://[user[:password]@]host[:port]`: STARTTLS, required unless `?tls=none`; default port 587.
/// - `smtps://[user[:password]@]host[:port]`: implicit TLS; default port 465.
public struct SMTPConfiguration: Sendable {
    /// How the connection is protected.
    public enum Security: Sendable, Equatable {
        /// No TLS at all; meant for loopback test servers only.
        case plain
        /// Plain connect, then STARTTLS before anything else; fails when the server does not offer it.
        case startTLS
        /// TLS from the first byte (SMTPS).
        case implicitTLS
    }

    /// A configuration that cannot be used; `description` is a sentence that never repeats the password.
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let description: String

        /// Creates an error with the given sentence.
        init(_ description: String) {
            self.description = description
        }
    }

    /// The relay's host name or IP address.
    public var host: String
    /// The relay's TCP port.
    public var port: Int
    /// How the connection is protected.
    public var security: Security
    /// The user name for AUTH; no AUTH when `nil`.
    public var username: String?
    /// The password for AUTH.
    public var password: String?
    /// The name sent in EHLO/HELO.
    public var heloName: String = "localhost"
    /// How long establishing the TCP connection may take.
    public var connectTimeout: Duration = .seconds(10)
    /// How long the server may take to answer any one command.
    public var commandTimeout: Duration = .seconds(60)
    /// TLS settings for STARTTLS and implicit TLS; certificate verification is on by default.
    public var tlsConfiguration: TLSConfiguration = .makeClientConfiguration()

    /// Creates a configuration from its parts.
    /// - Parameters:
    ///   - host: The relay's host name or IP address.
    ///   - port: The relay's TCP port.
    ///   - security: How the connection is protected.
    ///   - username: The user name for AUTH, if any.
    ///   - password: The password for AUTH, if any.
    public init(
        host: String, port: Int, security: Security = .startTLS, username: String? = nil, password: String? = nil
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
    }
}
