import Foundation
import NIOSSL
import SMTP

/// The SMTP sink (scripts/smtp_sink.py) the integration tests talk to, described by environment variables.
///
/// - `STEWARD_TEST_SMTP_PORT`, `STEWARD_TEST_SMTP_MAILDIR`: the sink's main (plaintext) port and maildir.
/// - `STEWARD_TEST_SMTP_AUTH`: `user:pass` the sink was started with (`--auth`), for the AUTH tests.
/// - `STEWARD_TEST_SMTP_STARTTLS_PORT`, `STEWARD_TEST_SMTP_SMTPS_PORT`, `STEWARD_TEST_SMTP_TLS_CERT`: the TLS
///   listeners and the PEM certificate they present, which the tests trust.
enum SinkEnvironment {
    /// A message as the sink stored it.
    struct Delivery {
        /// The raw DATA content.
        var message: String
        /// The envelope sender.
        var mailFrom: String
        /// The envelope recipients that were accepted.
        var recipients: [String]
    }

    /// The sidecar JSON the sink writes next to each message.
    private struct Envelope: Decodable {
        /// The envelope sender.
        var mailFrom: String
        /// The accepted envelope recipients.
        var rcptTos: [String]

        /// The sink's snake_case keys.
        private enum CodingKeys: String, CodingKey {
            case mailFrom = "mail_from"
            case rcptTos = "rcpt_tos"
        }
    }

    /// The process environment.
    private static let environment = ProcessInfo.processInfo.environment

    /// The sink's plaintext port.
    static let port = environment["STEWARD_TEST_SMTP_PORT"].flatMap { Int($0) }
    /// The folder the sink writes `<n>.eml` and `<n>.json` into.
    static let maildir = environment["STEWARD_TEST_SMTP_MAILDIR"]
    /// Credentials the sink accepts.
    static let credentials: (user: String, password: String)? = environment["STEWARD_TEST_SMTP_AUTH"].flatMap {
        let parts = $0.split(separator: ":", maxSplits: 1)
        return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
    }
    /// The listener that requires STARTTLS.
    static let startTLSPort = environment["STEWARD_TEST_SMTP_STARTTLS_PORT"].flatMap { Int($0) }
    /// The implicit-TLS listener.
    static let smtpsPort = environment["STEWARD_TEST_SMTP_SMTPS_PORT"].flatMap { Int($0) }
    /// The certificate the TLS listeners present.
    static let certificatePath = environment["STEWARD_TEST_SMTP_TLS_CERT"]

    /// Whether the basic sink is configured.
    static var isConfigured: Bool { port != nil && maildir != nil }
    /// Whether the TLS listeners are configured.
    static var hasTLS: Bool { isConfigured && startTLSPort != nil && smtpsPort != nil && certificatePath != nil }

    /// A configuration for one of the sink's listeners, with short timeouts.
    /// - Parameters:
    ///   - host: The host to connect to; `localhost` exercises TLS name verification, an IP address exercises
    ///     address verification.
    ///   - port: The listener; the main plaintext one by default.
    ///   - security: How that listener is protected.
    static func configuration(
        host: String = "127.0.0.1", port: Int? = SinkEnvironment.port,
        security: SMTPConfiguration.Security = .plain
    ) -> SMTPConfiguration {
        var configuration = SMTPConfiguration(host: host, port: port ?? 0, security: security)
        configuration.connectTimeout = .seconds(5)
        configuration.commandTimeout = .seconds(10)
        return configuration
    }

    /// A fresh recipient address containing `tag` (the sink fails RCPT for tags like `tempfail`, `bounce`).
    static func uniqueRecipient(_ tag: String = "ok") -> String {
        "\(tag)-\(UUID().uuidString.lowercased())@example.org"
    }

    /// Waits until the sink has stored a message for `recipient`.
    /// - Throws: `CancellationError` when cancelled; records nothing itself, returns `nil` on timeout.
    static func delivery(to recipient: String, within timeout: Duration = .seconds(10)) async throws -> Delivery? {
        guard let maildir else {
            return nil
        }
        let deadline = ContinuousClock.now + timeout
        let decoder = JSONDecoder()
        while ContinuousClock.now < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: maildir)) ?? []
            for name in names where name.hasSuffix(".json") && !name.hasPrefix(".") {
                let base = (maildir as NSString).appendingPathComponent(String(name.dropLast(5)))
                guard let json = FileManager.default.contents(atPath: base + ".json"),
                    let envelope = try? decoder.decode(Envelope.self, from: json),
                    envelope.rcptTos.contains(recipient),
                    let eml = FileManager.default.contents(atPath: base + ".eml")
                else {
                    continue
                }
                return Delivery(
                    message: String(decoding: eml, as: UTF8.self), mailFrom: envelope.mailFrom,
                    recipients: envelope.rcptTos)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// A TLS configuration that trusts only the sink's certificate.
    static func trustingSinkCertificate() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificatePath ?? ""))
        return tls
    }
}
