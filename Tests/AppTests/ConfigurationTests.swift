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
