import NIOSSL
import Testing

@testable import SMTP

@Suite struct SMTPConfigurationTests {
    @Test func smtpDefaultsToStartTLSOnPort587() throws {
        // Given / When
        let configuration = try SMTPConfiguration(url: "smtp://mail.example.com")

        // Then
        #expect(configuration.host == "mail.example.com")
        #expect(configuration.port == 587)
        #expect(configuration.security == .startTLS)
        #expect(configuration.username == nil)
        #expect(configuration.password == nil)
        #expect(configuration.heloName == "localhost")
        #expect(configuration.connectTimeout == .seconds(10))
        #expect(configuration.commandTimeout == .seconds(60))
        #expect(configuration.tlsConfiguration.certificateVerification == .fullVerification)
    }

    @Test func smtpsDefaultsToImplicitTLSOnPort465() throws {
        // Given / When
        let configuration = try SMTPConfiguration(url: "SMTPS://mail.example.com/")

        // Then
        #expect(configuration.port == 465)
        #expect(configuration.security == .implicitTLS)
    }

    @Test func readsAnExplicitPort() throws {
        // Given / When
        let configuration = try SMTPConfiguration(url: "smtp://mail.example.com:2525")

        // Then
        #expect(configuration.port == 2525)
    }

    @Test func percentDecodesUserAndPassword() throws {
        // Given / When
        let configuration = try SMTPConfiguration(url: "smtps://us%40er:p%3Ass%2Fw%C3%B6rd@mail.example.com:1465")

        // Then
        #expect(configuration.username == "us@er")
        #expect(configuration.password == "p:ss/wörd")
        #expect(configuration.host == "mail.example.com")
        #expect(configuration.port == 1465)
    }

    @Test func splitsCredentialsAtTheLastAt() throws {
        // Given / When
        let configuration = try SMTPConfiguration(url: "smtp://user:p@ss@mail.example.com")

        // Then
        #expect(configuration.username == "user")
        #expect(configuration.password == "p@ss")
        #expect(configuration.host == "mail.example.com")
    }

    @Test func acceptsAUserWithoutPassword() throws {
        // Given / When
        let configuration = try SMTPConfiguration(url: "smtp://user@mail.example.com")

        // Then
        #expect(configuration.username == "user")
        #expect(configuration.password == nil)
    }

    @Test func readsABracketedIPv6Host() throws {
        // Given / When
        let configuration = try SMTPConfiguration(url: "smtp://[::1]:2525?tls=none")

        // Then
        #expect(configuration.host == "::1")
        #expect(configuration.port == 2525)
        #expect(configuration.security == .plain)
    }

    @Test func tlsNoneIsAllowedForLoopbackAndSetsPlain() throws {
        // Given / When
        let configuration = try SMTPConfiguration(url: "smtp://127.0.0.1:2525?tls=none&helo=steward.test")

        // Then
        #expect(configuration.security == .plain)
        #expect(configuration.heloName == "steward.test")
    }

    @Test(arguments: [
        ("http://mail.example.com", "scheme"),
        ("mail.example.com", "smtp://"),
        ("smtp://", "no host"),
        ("smtp://user:pw@:25", "no host"),
        ("smtp://mail.example.com:0", "port"),
        ("smtp://mail.example.com:70000", "port"),
        ("smtp://mail.example.com:abc", "port"),
        ("smtp://mail.example.com/path", "path"),
        ("smtp://mail.example.com?tls=none", "loopback"),
        ("smtps://127.0.0.1?tls=none", "smtp://"),
        ("smtp://mail.example.com?tls=maybe", "tls option"),
        ("smtp://mail.example.com?verify=no", "unknown option"),
        ("smtp://user:%zz@mail.example.com", "password"),
        ("smtp://:pw@mail.example.com", "user name"),
        ("smtp://[::1:25", "IPv6"),
    ])
    func refusesBadURLsWithASentence(url: String, mentioning: String) {
        // Given / When
        let result = Result { () throws(SMTPConfiguration.Error) in try SMTPConfiguration(url: url) }

        // Then
        guard case .failure(let error) = result else {
            Issue.record("expected \(url) to be refused")
            return
        }
        #expect(error.description.contains(mentioning))
        #expect(error.description.hasSuffix("."))
    }

    @Test func errorsNeverRepeatThePassword() {
        // Given
        let url = "smtp://user:hunter2@mail.example.com:99999"

        // When
        let result = Result { () throws(SMTPConfiguration.Error) in try SMTPConfiguration(url: url) }

        // Then
        guard case .failure(let error) = result else {
            Issue.record("expected a failure")
            return
        }
        #expect(!error.description.contains("hunter2"))
    }
}
