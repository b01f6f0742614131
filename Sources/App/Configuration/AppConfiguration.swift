import Configuration
import Foundation
import Policy
import SystemPackage

/// Everything Steward is configured with, read once at start-up and validated up front.
///
/// Sources, strongest first: command-line flags, the environment (`STEWARD_…`), the optional file
/// `STEWARD_CONFIG_FILE` (default `steward.env`, `KEY=value` lines), then built-in defaults.
public struct AppConfiguration: Sendable {
    /// Whether Steward runs for development (generated keys allowed) or production (everything explicit).
    public enum Environment: String, Sendable {
        case development
        case production
    }

    /// Address to listen on.
    public var host: String
    /// Port to listen on (0 picks a free port).
    public var port: Int
    /// Folder for the SQLite database, the master key file and the `.eml` outbox.
    public var dataDirectory: String
    /// `postgres://…` or nil for SQLite in the data folder.
    public var databaseURL: String?
    /// The base64 master key, or nil to use (or, in development, create) `master.key` in the data folder.
    public var masterKey: String?
    /// `smtp://…` or `smtps://…`, or nil to write mail to `data/outbox` as `.eml` files.
    public var smtpURL: String?
    /// The site's public address, used in links in e-mails and to decide on `Secure` cookies.
    public var baseURL: URL
    /// Development or production.
    public var environment: Environment
    /// The folder holding `templates/` and `public/`.
    public var resourcesDirectory: String
    /// The sender of every e-mail.
    public var mailFrom: String
    /// Largest request body accepted, in bytes.
    public var maxBodySize: Int
    /// Sign-in attempts allowed per account and per IP address in 15 minutes.
    public var loginLimit: Int
    /// The policy file (the draft that `steward policy publish` publishes).
    public var policyFile: String
    /// Google Analytics measurement id (`G-…`), or nil: GA is optional and loads only after consent.
    public var gaMeasurementID: String?
    /// SMTP connections campaigns use at once.
    public var mailConcurrency = 4
    /// Campaign messages per second at most (0: no limit).
    public var mailRatePerSecond = 0
    /// Campaign messages per hour at most (0: no limit).
    public var mailRatePerHour = 0
    /// Seconds before the first retry after a 4xx answer (doubling after each further one).
    public var mailRetryDelay = 300
    /// Hours after which a message that keeps getting 4xx answers fails.
    public var mailGiveUpHours = 96
    /// DKIM signing: the domain (`d=`), selector (`s=`) and PEM private key file; all three or none.
    public var dkimDomain: String?
    public var dkimSelector: String?
    public var dkimKeyFile: String?
    /// Days without a sign-in after which a member is warned that the account will be deleted 30 days later (0: never).
    public var inactiveAccountDays = 730
    /// Hours between two runs of the retention rules.
    public var retentionIntervalHours = 24
    /// A MaxMind DB file (GeoLite2-Country, DB-IP country lite, …) for counting visitors per country, or nil.
    public var geoIPFile: String?

    /// Whether the site is served over HTTPS (secure, `__Host-` cookies and HSTS).
    public var isHTTPS: Bool { baseURL.scheme == "https" }

    /// Where the SQLite database lives when no database URL is set.
    public var sqlitePath: String { dataDirectory + "/steward.sqlite" }

    /// Reads and validates the configuration.
    ///
    /// - Parameters:
    ///   - flags: Values from the command line, keyed like the environment variables' suffix in lower case
    ///     (`host`, `port`, `data-dir`).
    ///   - environment: The process environment.
    /// - Throws: ``ConfigurationError`` listing every bad value at once.
    public static func load(flags: [String: String] = [:], environment: [String: String]) async throws
        -> AppConfiguration
    {
        let fileName = environment["STEWARD_CONFIG_FILE"] ?? "steward.env"
        var providers: [any ConfigProvider] = [
            InMemoryProvider(
                name: "flags",
                values: Dictionary(
                    uniqueKeysWithValues: flags.map { key, value in
                        (
                            AbsoluteConfigKey(["steward"] + key.split(separator: "-").map(String.init)),
                            ConfigValue(.string(value), isSecret: false)
                        )
                    })),
            EnvironmentVariablesProvider(environmentVariables: environment),
        ]
        if let file = try? await EnvironmentVariablesProvider(environmentFilePath: .init(fileName), allowMissing: true)
        {
            providers.append(file)
        }
        let reader = ConfigReader(providers: providers)
        return try parse { key in
            reader.string(forKey: ConfigKey(["steward"] + key.split(separator: "_").map(String.init)))
        }
    }

    /// Builds a configuration from a key lookup (keys are the environment names without `STEWARD_`, lower case).
    static func parse(_ value: (String) -> String?) throws -> AppConfiguration {
        var problems: [String] = []
        func text(_ key: String) -> String? {
            guard let raw = value(key)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }

        let environment: Environment
        switch text("env") ?? "development" {
        case "development": environment = .development
        case "production": environment = .production
        case let other:
            problems.append("STEWARD_ENV=\(other): use development or production")
            environment = .development
        }

        let host = text("host") ?? "127.0.0.1"
        var port = 8080
        if let raw = text("port") {
            if let parsed = Int(raw), (0...65535).contains(parsed) {
                port = parsed
            } else {
                problems.append("STEWARD_PORT=\(raw): use a port number from 0 to 65535")
            }
        }
        let dataDirectory = text("data_dir") ?? "data"

        let databaseURL = text("database_url")
        if let url = databaseURL, !(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")) {
            problems.append(
                "STEWARD_DATABASE_URL: use postgres://user:password@host:port/database, or leave it unset for SQLite")
        }

        let masterKey = text("master_key")
        if let key = masterKey, Data(base64Encoded: key)?.count != 32 {
            problems.append(
                "STEWARD_MASTER_KEY: use 32 random bytes in base64 (make one with `openssl rand -base64 32`)")
        }
        if environment == .production && masterKey == nil {
            problems.append(
                "STEWARD_MASTER_KEY: production needs its own master key (`openssl rand -base64 32`), kept outside the data folder"
            )
        }

        let smtpURL = text("smtp_url")
        if let url = smtpURL, !(url.hasPrefix("smtp://") || url.hasPrefix("smtps://")) {
            problems.append("STEWARD_SMTP_URL: use smtp://user:password@host:587 or smtps://user:password@host:465")
        }

        let defaultBase = "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)"
        let baseText = text("base_url") ?? defaultBase
        var baseURL = URL(string: defaultBase)!
        if let url = URL(string: baseText), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil
        {
            baseURL = url
        } else {
            problems.append("STEWARD_BASE_URL=\(baseText): use the site's public address, like https://www.example.com")
        }
        if environment == .production && baseURL.scheme != "https" {
            problems.append("STEWARD_BASE_URL: production must be served over https")
        }

        let mailFrom = text("mail_from") ?? "no-reply@\(baseURL.host ?? "localhost")"
        if !mailFrom.contains("@") || mailFrom.contains(where: { $0 == "\r" || $0 == "\n" || $0 == " " }) {
            problems.append("STEWARD_MAIL_FROM=\(mailFrom): use a plain e-mail address like no-reply@example.com")
        }

        var maxBodySize = 1_048_576
        if let raw = text("max_body_size") {
            if let parsed = Int(raw), parsed >= 1024 {
                maxBodySize = parsed
            } else {
                problems.append("STEWARD_MAX_BODY_SIZE=\(raw): use a number of bytes, at least 1024")
            }
        }

        var loginLimit = 10
        if let raw = text("login_limit") {
            if let parsed = Int(raw), parsed >= 1 {
                loginLimit = parsed
            } else {
                problems.append("STEWARD_LOGIN_LIMIT=\(raw): use a whole number of attempts, at least 1")
            }
        }

        let policyFile = text("policy_file") ?? Self.defaultPolicyFile()
        if !FileManager.default.fileExists(atPath: policyFile) {
            problems.append("STEWARD_POLICY_FILE=\(policyFile): no such file; point it at your policy.yaml")
        }

        let gaMeasurementID = text("ga_measurement_id")
        if let id = gaMeasurementID,
            !(id.hasPrefix("G-") && id.count > 3
                && id.dropFirst(2).allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) })
        {
            problems.append("STEWARD_GA_MEASUREMENT_ID=\(id): use a Google Analytics 4 measurement id like G-ABC123XYZ")
        }

        let resourcesDirectory = text("resources_dir") ?? Self.defaultResourcesDirectory()
        if !FileManager.default.fileExists(atPath: resourcesDirectory + "/templates") {
            problems.append(
                "STEWARD_RESOURCES_DIR=\(resourcesDirectory): no templates/ folder there; point it at Steward's Resources folder"
            )
        }

        func number(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>, _ advice: String) -> Int {
            guard let raw = text(key) else { return fallback }
            if let parsed = Int(raw), range.contains(parsed) { return parsed }
            problems.append("STEWARD_\(key.uppercased())=\(raw): \(advice)")
            return fallback
        }
        let mailConcurrency = number("mail_concurrency", 4, 1...256, "use a number of connections from 1 to 256")
        let mailRatePerSecond = number(
            "mail_rate_per_second", 0, 0...1_000_000, "use a number of messages per second, or 0 for no limit")
        let mailRatePerHour = number(
            "mail_rate_per_hour", 0, 0...100_000_000, "use a number of messages per hour, or 0 for no limit")
        let mailRetryDelay = number(
            "mail_retry_delay", 300, 1...86_400, "use the seconds before the first retry, from 1 to 86400")
        let mailGiveUpHours = number(
            "mail_give_up_hours", 96, 1...720, "use the hours after which a deferred message fails, from 1 to 720")
        let dkim = [text("dkim_domain"), text("dkim_selector"), text("dkim_key_file")]
        if dkim.contains(where: { $0 != nil }) && dkim.contains(where: { $0 == nil }) {
            problems.append(
                "STEWARD_DKIM_DOMAIN, STEWARD_DKIM_SELECTOR, STEWARD_DKIM_KEY_FILE: set all three to sign with DKIM, or none"
            )
        }
        if let file = dkim[2], !FileManager.default.fileExists(atPath: file) {
            problems.append("STEWARD_DKIM_KEY_FILE=\(file): no such file; point it at the PEM private key")
        }

        let inactiveAccountDays = number(
            "inactive_account_days", 730, 0...36_500,
            "use the days without a sign-in before an account is deleted (after a warning), or 0 for never")
        let retentionIntervalHours = number(
            "retention_interval_hours", 24, 1...720, "use the hours between two retention runs, from 1 to 720")
        let geoIPFile = text("geoip_file")
        if let file = geoIPFile, !FileManager.default.fileExists(atPath: file) {
            problems.append(
                "STEWARD_GEOIP_FILE=\(file): no such file; point it at a MaxMind DB country file (.mmdb), or unset it")
        }

        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        var configuration = AppConfiguration(
            host: host, port: port, dataDirectory: dataDirectory, databaseURL: databaseURL, masterKey: masterKey,
            smtpURL: smtpURL, baseURL: baseURL, environment: environment, resourcesDirectory: resourcesDirectory,
            mailFrom: mailFrom, maxBodySize: maxBodySize, loginLimit: loginLimit, policyFile: policyFile,
            gaMeasurementID: gaMeasurementID)
        configuration.mailConcurrency = mailConcurrency
        configuration.mailRatePerSecond = mailRatePerSecond
        configuration.mailRatePerHour = mailRatePerHour
        configuration.mailRetryDelay = mailRetryDelay
        configuration.mailGiveUpHours = mailGiveUpHours
        configuration.geoIPFile = geoIPFile
        configuration.inactiveAccountDays = inactiveAccountDays
        configuration.retentionIntervalHours = retentionIntervalHours
        configuration.dkimDomain = dkim[0]
        configuration.dkimSelector = dkim[1]
        configuration.dkimKeyFile = dkim[2]
        return configuration
    }

    /// `policy/policy.yaml` in the working folder when present, else the one beside this source file's package.
    static func defaultPolicyFile() -> String {
        if FileManager.default.fileExists(atPath: "policy/policy.yaml") { return "policy/policy.yaml" }
        return URL(fileURLWithPath: defaultResourcesDirectory()).deletingLastPathComponent()
            .appendingPathComponent("policy/policy.yaml").path
    }

    /// `Resources` in the working folder when present (a checkout or an installed release), else the one beside
    /// this source file's package (tests and `swift run` from elsewhere).
    static func defaultResourcesDirectory() -> String {
        if FileManager.default.fileExists(atPath: "Resources/templates") { return "Resources" }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent("Resources").path
    }
}

/// Every configuration problem found, each with how to fix it.
public struct ConfigurationError: Error, CustomStringConvertible {
    /// One line per bad value.
    public let problems: [String]

    public var description: String {
        "Steward cannot start: the configuration has \(problems.count) problem(s):\n"
            + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
