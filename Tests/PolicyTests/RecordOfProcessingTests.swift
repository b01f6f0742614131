import Foundation
import Policy
import Testing

@Suite struct RecordOfProcessingTests {
    @Test func activitiesCoverPurposesAndConsentSharing() throws {
        // Given the minimal policy
        let policy = try Fixture.minimal()

        // When the record is built
        let record = RecordOfProcessing(policy, generatedAt: "2024-06-01T12:00:00Z")

        // Then there is one activity per purpose and one per recipient needing consent
        #expect(record.activities.map(\.id) == ["account", "newsletter", "security_log", "ad_partner"])
        #expect(record.activities.last?.name == "Sharing with Ad Partner")
        #expect(record.policyVersion == 3)
        #expect(record.policyHash == policy.contentHash)
        let newsletter = try #require(record.activities.first { $0.id == "newsletter" })
        #expect(newsletter.legalBasis == "Consent (GDPR Art. 6(1)(a))")
        #expect(newsletter.categories == ["E-mail address"])
        #expect(
            newsletter.recipients == [
                "Mail Co (processor)", "Ad Partner (third party, only with the person's consent)",
            ])
        #expect(newsletter.retention == ["E-mail address: until you close your account, then at most 365 days"])
    }

    @Test func markdownHasATablePerActivity() throws {
        // Given the record of the minimal policy
        let record = RecordOfProcessing(try Fixture.minimal(), generatedAt: "2024-06-01T12:00:00Z")

        // When it is written as Markdown
        let markdown = record.markdown()

        // Then it has the controller, a table per activity with every Article 30 field, and the measures
        #expect(markdown.hasPrefix("# Record of processing activities\n"))
        #expect(markdown.contains("Generated 2024-06-01T12:00:00Z from privacy policy version 3 (2024-05-01)"))
        #expect(markdown.contains("- Name: Example Ltd\n- Address: Main Street 5, 1000 Brussels, Belgium\n"))
        #expect(markdown.components(separatedBy: "\n|---|---|\n").count == 5)
        #expect(markdown.contains("## Security log (`security_log`)"))
        #expect(markdown.contains("| Legal basis | Legitimate interest (GDPR Art. 6(1)(f)) |"))
        #expect(markdown.contains("| Categories of personal data | IP address |"))
        #expect(markdown.contains("| Recipients | none |"))
        #expect(markdown.contains("| Retention | IP address: for 90 days after we record it |"))
        #expect(markdown.contains("| Security measures | encryption at rest |"))
        #expect(markdown.hasSuffix("## Security measures\n\n- encryption at rest\n"))
    }

    @Test func markdownEscapesTableCells() throws {
        // Given a purpose whose description contains a pipe
        var policy = try Fixture.minimal()
        policy.purposes[0].description = "We run your account | and its settings."

        // When the record is written as Markdown
        let markdown = RecordOfProcessing(policy, generatedAt: "now").markdown()

        // Then the pipe does not break the table
        #expect(markdown.contains("| Purpose | We run your account \\| and its settings. |"))
    }

    @Test func jsonIsPrettySortedAndComplete() throws {
        // Given the record of the minimal policy
        let record = RecordOfProcessing(try Fixture.minimal(), generatedAt: "2024-06-01T12:00:00Z")

        // When it is written as JSON
        let json = try record.json()

        // Then it is indented with sorted keys, and reads back to the same record
        #expect(json.hasPrefix("{\n  \"activities\" : ["))
        #expect(json.contains("\"generatedAt\" : \"2024-06-01T12:00:00Z\""))
        let keys = json.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == keys.sorted())
        #expect(try JSONDecoder().decode(RecordOfProcessing.self, from: Data(json.utf8)) == record)
    }

    @Test func outputIsReproducible() throws {
        // Given the shipped policy
        let policy = try Fixture.defaultPolicy()

        // When the record is built twice for the same time
        let first = RecordOfProcessing(policy, generatedAt: "2024-06-01")
        let second = RecordOfProcessing(policy, generatedAt: "2024-06-01")

        // Then both outputs are identical, and Google Analytics is listed as a transfer outside the EEA
        #expect(first.markdown() == second.markdown())
        #expect(try first.json() == second.json())
        #expect(first.activities.first { $0.id == "analytics_google" }?.transfersOutsideEEA == ["Google Analytics"])
        #expect(first.activities.first { $0.id == "payments" }?.recipients.first?.hasPrefix("PayPal") == true)
    }
}
