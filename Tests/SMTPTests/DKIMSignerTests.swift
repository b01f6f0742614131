import Crypto
import Foundation
import NIOCore
import Testing
import _CryptoExtras

@testable import SMTP

/// `DKIMSigner`, checked by the independent `DKIMVerifier`.
@Suite struct DKIMSignerTests {
    /// A key generated once for the suite; no key file is committed.
    static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    /// The signing time used throughout.
    static let time = Date(timeIntervalSince1970: 1_750_000_000)

    /// A campaign-like message with CRLF line breaks.
    static let message = [
        "From: Steward <news@example.com>",
        "To: reader@example.org",
        "Subject: Hello  there,\r\n  reader",
        "Date: Mon, 16 Jun 2025 12:00:00 +0000",
        "Message-ID: <1@example.com>",
        "List-Unsubscribe: <https://example.com/u/1>",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "X-Not-Signed: 1",
        "",
        "Hello,  ",
        "\tthis is the body.",
        "",
        "",
    ].joined(separator: "\r\n")

    /// A signer for example.com with the suite's key.
    static func signer(signedHeaders: [String] = DKIMSigner.defaultSignedHeaders) throws -> DKIMSigner {
        try DKIMSigner(
            domain: "example.com", selector: "steward", privateKeyPEM: key.pemRepresentation,
            signedHeaders: signedHeaders)
    }

    /// The `DKIMError` thrown by `body`, or `nil`.
    static func dkimError(_ body: () throws -> some Any) -> DKIMError? {
        do {
            _ = try body()
            return nil
        } catch let error as DKIMError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func aSignedMessageVerifies() throws {
        // Given
        let signer = try Self.signer()

        // When
        let signed = try signer.sign(Self.message, at: Self.time)
        let outcome = try DKIMVerifier(dnsRecord: signer.dnsRecord).verify(signed)

        // Then
        #expect(
            signed.hasPrefix("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;\r\n\ts=steward;"))
        #expect(signed.hasSuffix("\r\n" + Self.message))
        #expect(outcome.isBodyHashValid)
        #expect(outcome.isSignatureValid)
        #expect(outcome.tags["t"] == "1750000000")
        #expect(
            outcome.tags["h"]
                == "From:To:Subject:Date:Message-ID:List-Unsubscribe:List-Unsubscribe-Post:MIME-Version:Content-Type")
    }

    @Test func aTamperedSubjectFailsVerification() throws {
        // Given
        let signer = try Self.signer()
        let signed = try signer.sign(Self.message, at: Self.time)

        // When
        let tampered = signed.replacingOccurrences(of: "Subject: Hello", with: "Subject: Jello")
        let outcome = try DKIMVerifier(dnsRecord: signer.dnsRecord).verify(tampered)

        // Then
        #expect(tampered != signed)
        #expect(outcome.isBodyHashValid)
        #expect(!outcome.isSignatureValid)
    }

    @Test func aTamperedBodyFailsTheBodyHash() throws {
        // Given
        let signer = try Self.signer()
        let signed = try signer.sign(Self.message, at: Self.time)

        // When
        let outcome = try DKIMVerifier(dnsRecord: signer.dnsRecord).verify(signed + "P.S. added later\r\n")

        // Then
        #expect(!outcome.isBodyHashValid)
    }

    @Test func whitespaceChangesAllowedByRelaxedCanonicalizationStillVerify() throws {
        // Given
        let signer = try Self.signer()
        let signed = try signer.sign(Self.message, at: Self.time)

        // When: refolded header, different spacing, trailing whitespace, extra empty lines at the end.
        let reformatted =
            signed
            .replacingOccurrences(of: "Subject: Hello  there,\r\n  reader", with: "subject:Hello there,\r\n\treader ")
            .replacingOccurrences(of: "this is the body.", with: "this  is the body.\t")
            + "\r\n\r\n"
        let outcome = try DKIMVerifier(dnsRecord: signer.dnsRecord).verify(reformatted)

        // Then
        #expect(outcome.isValid)
    }

    @Test func signsWhatGoesOnTheWireForAMessageWithLineFeeds() throws {
        // Given
        let signer = try Self.signer()
        let lineFeedMessage = Self.message.replacingOccurrences(of: "\r\n", with: "\n")

        // When
        let signed = try signer.sign(lineFeedMessage, at: Self.time)
        let wire = String(buffer: DataPayload(signed, allocator: ByteBufferAllocator()).content)
        let outcome = try DKIMVerifier(dnsRecord: signer.dnsRecord).verify(wire)

        // Then
        #expect(outcome.isValid)
    }

    @Test func theSignatureFieldIsFoldedTo78Characters() throws {
        // Given
        let signer = try Self.signer()

        // When
        let signed = try signer.sign(Self.message, at: Self.time)
        let field = try #require(DKIMVerifier.fields(signed.components(separatedBy: "\r\n\r\n")[0]).first)
        let lines = field.components(separatedBy: "\r\n")

        // Then
        #expect(lines.count > 4)
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("\t") })
    }

    @Test func listsOnlyPresentHeadersOncePerOccurrence() throws {
        // Given
        let signer = try Self.signer(signedHeaders: ["from", "X-Tag", "Reply-To", "x-tag"])
        let message = "X-Tag: first\r\nFrom: a@example.com\r\nX-Tag: second\r\n\r\nbody\r\n"

        // When
        let signed = try signer.sign(message, at: Self.time)
        let verifier = try DKIMVerifier(dnsRecord: signer.dnsRecord)
        let outcome = try verifier.verify(signed)
        let swapped = try verifier.verify(signed.replacingOccurrences(of: "first", with: "1st"))

        // Then
        #expect(signer.signedHeaders == ["from", "X-Tag", "Reply-To"])
        #expect(outcome.tags["h"] == "from:X-Tag:X-Tag")
        #expect(outcome.isValid)
        #expect(!swapped.isSignatureValid)
    }

    @Test func anEmptyBodyHasTheHashOfNothing() throws {
        // Given
        let signer = try Self.signer()

        // When
        let signed = try signer.sign("From: a@example.com\r\n\r\n", at: Self.time)
        let outcome = try DKIMVerifier(dnsRecord: signer.dnsRecord).verify(signed)

        // Then
        #expect(outcome.tags["bh"] == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        #expect(outcome.isValid)
    }

    @Test func theDNSRecordPublishesThePublicKey() throws {
        // Given
        let signer = try Self.signer()

        // When
        let record = signer.dnsRecord

        // Then
        #expect(record.hasPrefix("v=DKIM1; k=rsa; p="))
        let key = try #require(Data(base64Encoded: String(record.dropFirst("v=DKIM1; k=rsa; p=".count))))
        #expect(key == Self.key.publicKey.derRepresentation)
    }

    @Test func acceptsAPKCS8Key() throws {
        // Given
        let pem = Self.key.pkcs8PEMRepresentation

        // When
        let signer = try DKIMSigner(domain: "example.com", selector: "s1", privateKeyPEM: pem)

        // Then
        #expect(signer.dnsRecord == (try Self.signer()).dnsRecord)
    }

    @Test func refusesKeysThatAreNotRSAOrNotPEM() {
        // Given
        let keys = ["not a key", P256.Signing.PrivateKey().pemRepresentation, ""]

        // When
        let errors = keys.map { pem in
            Self.dkimError { try DKIMSigner(domain: "example.com", selector: "s1", privateKeyPEM: pem) }
        }

        // Then
        #expect(errors == [.unreadableKey, .unreadableKey, .unreadableKey])
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs /usr/bin/openssl"))
    func refusesKeysShorterThan1024Bits() throws {
        // Given: swift-crypto cannot generate one, so openssl does.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:768"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pem = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()

        // When
        let error = Self.dkimError { try DKIMSigner(domain: "example.com", selector: "s1", privateKeyPEM: pem) }

        // Then
        #expect(pem.contains("PRIVATE KEY"))
        #expect(error == .keyTooSmall)
    }

    @Test func acceptsA1024BitKey() throws {
        // Given
        let key = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
        let signer = try DKIMSigner(domain: "example.com", selector: "s1", privateKeyPEM: key.pemRepresentation)

        // When
        let signed = try signer.sign(Self.message, at: Self.time)

        // Then
        #expect(try DKIMVerifier(dnsRecord: signer.dnsRecord).verify(signed).isValid)
    }

    @Test func refusesInvalidSettings() {
        // Given
        let pem = Self.key.pemRepresentation

        // When
        let errors = [
            Self.dkimError { try DKIMSigner(domain: "example.com; x=y", selector: "s1", privateKeyPEM: pem) },
            Self.dkimError { try DKIMSigner(domain: "", selector: "s1", privateKeyPEM: pem) },
            Self.dkimError { try DKIMSigner(domain: "example.com", selector: "s 1", privateKeyPEM: pem) },
            Self.dkimError {
                try DKIMSigner(
                    domain: "example.com", selector: "s1", privateKeyPEM: pem, signedHeaders: ["From", "To:"])
            },
            Self.dkimError {
                try DKIMSigner(domain: "example.com", selector: "s1", privateKeyPEM: pem, signedHeaders: ["Subject"])
            },
        ]

        // Then
        #expect(
            errors == [.invalidDomain, .invalidDomain, .invalidSelector, .invalidHeaderName("To:"), .fromNotSigned])
    }

    @Test func refusesMessagesItCannotSign() throws {
        // Given
        let signer = try Self.signer()

        // When
        let errors = [
            Self.dkimError { try signer.sign("From: a@example.com\r\nSubject: no body\r\n") },
            Self.dkimError { try signer.sign("") },
            Self.dkimError { try signer.sign("Subject: no sender\r\n\r\nbody\r\n") },
        ]

        // Then
        #expect(errors == [.missingHeaderSeparator, .missingHeaderSeparator, .missingFromHeader])
    }
}
