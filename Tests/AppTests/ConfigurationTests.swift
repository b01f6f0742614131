import App
import Hummingbird
import SQLKit
import Testing

@Suite struct ConfigurationTests {
    @Test func everyBadValueIsListedAtOnce() async throws {
        // Given several bad values
        let environment = [
            "STEWARD_PORT": "99999", "STEWARD_DATABASE_URL": "mysql://x", "STEWARD_MASTER_KEY": "short",
            "STEWARD_SMTP_URL": "http://mail", "STEWARD_BASE_URL": "ftp://x",
        ]
        // When loading, then one error lists each of them with a fix
        do {
            _ = try await AppConfiguration.load(environment: environment)
            Issue.record("expected a configuration error")
        } catch let error as ConfigurationError {
            let text = error.description
            for key in [
                "STEWARD_PORT", "STEWARD_DATABASE_URL", "STEWARD_MASTER_KEY", "STEWARD_SMTP_URL", "STEWARD_BASE_URL",
            ] {
                #expect(text.contains(key), "missing \(key)")
            }
            #expect(error.problems.count == 5)
        }
    }

    @Test func mailSettingsAreCheckedAndDKIMNeedsAllThreeValues() async throws {
        // Given a bad concurrency, a negative rate and only one of the three DKIM settings
        let environment = [
            "STEWARD_MAIL_CONCURRENCY": "0", "STEWARD_MAIL_RATE_PER_SECOND": "-3", "STEWARD_DKIM_DOMAIN": "example.com",
        ]
        // When loading, then each is named with what to do
        do {
            _ = try await AppConfiguration.load(environment: environment)
            Issue.record("expected a configuration error")
        } catch let error as ConfigurationError {
            #expect(error.problems.count == 3)
            #expect(error.description.contains("STEWARD_MAIL_CONCURRENCY=0: use a number of connections from 1 to 256"))
            #expect(error.description.contains("STEWARD_MAIL_RATE_PER_SECOND=-3"))
            #expect(error.description.contains("set all three to sign with DKIM, or none"))
        }
        // And the defaults are four connections, no rate limit, retries from 5 minutes for 4 days
        let defaults = try await AppConfiguration.load(environment: [:])
        #expect(defaults.mailConcurrency == 4 && defaults.mailRatePerSecond == 0 && defaults.mailRatePerHour == 0)
        #expect(defaults.mailRetryDelay == 300 && defaults.mailGiveUpHours == 96)
    }

    @Test func productionRequiresAKeyAndHTTPS() async throws {
        await #expect(throws: ConfigurationError.self) {
            _ = try await AppConfiguration.load(environment: ["STEWARD_ENV": "production"])
        }
    }

    @Test func defaultsServeOnLoopback8080() async throws {
        let configuration = try await AppConfiguration.load(environment: [:])
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.dataDirectory == "data")
        #expect(configuration.databaseURL == nil)
    }

    @Test func flagsOverrideTheEnvironment() async throws {
        let configuration = try await AppConfiguration.load(
            flags: ["port": "9090", "data-dir": "/tmp/x"], environment: ["STEWARD_PORT": "7070"])
        #expect(configuration.port == 9090)
        #expect(configuration.dataDirectory == "/tmp/x")
    }
}
