import Foundation
import Policy
import Testing

@Suite struct PrivacyPolicyTests {
    @Test func lookupsFindDeclaredItemsOnly() throws {
        // Given the minimal policy
        let policy = try Fixture.minimal()

        // When items are looked up
        // Then declared ids are found and others are not
        #expect(policy.category("ip_address")?.name == "IP address")
        #expect(policy.category("phone") == nil)
        #expect(policy.purpose("newsletter")?.legalBasis == .consent)
        #expect(policy.purpose("ads") == nil)
        #expect(policy.recipient("mailer")?.role == .processor)
        #expect(policy.recipient("nobody") == nil)
        #expect(policy.retention(for: "ip_address")?.rule == .daysAfterCollection(90))
        #expect(policy.retention(for: "page_counts") == nil)
    }

    @Test func consentListsKeepFileOrder() throws {
        // Given the minimal policy
        let policy = try Fixture.minimal()

        // When the consent purposes and recipients are listed
        // Then only those requiring consent appear, in file order
        #expect(policy.consentPurposes.map(\.id) == ["newsletter"])
        #expect(policy.consentRecipients.map(\.id) == ["ad_partner"])
    }

    @Test func recipientsServingAPurposeFollowServesOrCategories() throws {
        // Given the minimal policy, whose recipients do not say which purposes they serve
        var policy = try Fixture.minimal()

        // When no recipient lists `serves`, those receiving a purpose's categories serve it
        #expect(policy.recipients(serving: "account").map(\.id) == ["mailer", "ad_partner"])
        #expect(policy.recipients(serving: "security_log").isEmpty)

        // When `serves` is given, it decides
        policy.recipients[0].serves = ["newsletter"]
        policy.recipients[1].serves = []
        #expect(policy.recipients(serving: "account").isEmpty)
        #expect(policy.recipients(serving: "newsletter").map(\.id) == ["mailer"])
    }

    @Test func contentHashIsLowercaseHexSHA256() throws {
        // Given a policy
        let policy = try Fixture.minimal()

        // When its hash is taken
        let hash = policy.contentHash

        // Then it is 64 lowercase hex digits
        #expect(hash.count == 64)
        #expect(hash.allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test func contentHashIgnoresLayoutAndComments() throws {
        // Given the same content written differently: other comments, key order and list style
        let original = try Fixture.text("minimal")
        let rewritten =
            "# another comment\n"
            + original.replacingOccurrences(
                of: "version: 3\ndate: 2024-05-01\n", with: "date: \"2024-05-01\"   # quoted\nversion: 3\n"
            ).replacingOccurrences(of: "collects: [pages viewed]", with: "collects:\n    - pages viewed")

        // When both are loaded
        let first = try Fixture.policy(yaml: original)
        let second = try Fixture.policy(yaml: rewritten)

        // Then they have the same hash
        #expect(first == second)
        #expect(first.contentHash == second.contentHash)
    }

    @Test func contentHashChangesWithAnyContent() throws {
        // Given a policy and copies with one small change each
        let policy = try Fixture.minimal()
        var wording = policy
        wording.purposes[0].description = "We run your account for you."
        var days = policy
        days.retention[1].rule = .daysAfterCollection(91)
        var flag = policy
        flag.analytics.cookieless = false

        // When they are hashed
        let hashes = [policy, wording, days, flag].map(\.contentHash)

        // Then every hash differs
        #expect(Set(hashes).count == 4)
    }

    @Test func policyRoundTripsThroughJSON() throws {
        // Given a policy with every retention kind
        var policy = try Fixture.minimal()
        policy.retention.append(RetentionRule(category: "page_counts", rule: .legalHold(reason: "tax law")))

        // When it is encoded and decoded
        let data = try JSONEncoder().encode(policy)
        let decoded = try JSONDecoder().decode(PrivacyPolicy.self, from: data)

        // Then nothing is lost, and retention rules are written flat
        #expect(decoded == policy)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains(#""kind":"days_after_collection""#))
        #expect(json.contains(#""kind":"legal_hold""#))
    }

    @Test func unknownRetentionKindDoesNotDecode() {
        // Given JSON with a retention kind Steward does not know
        let json = #"{"category":"contact","rule":{"kind":"forever"}}"#

        // When it is decoded
        // Then decoding fails
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(RetentionRule.self, from: Data(json.utf8))
        }
    }

    @Test func retentionRulesHavePlainWords() {
        // Given one rule of each kind
        let rules: [RetentionRule.Kind] = [
            .untilEvent(event: "account_closure", thenMaxDays: 365), .untilEvent(event: "unsubscribe", thenMaxDays: 1),
            .untilEvent(event: "contract_end", thenMaxDays: 30), .daysAfterCollection(90),
            .legalHold(reason: "bookkeeping law."),
        ]

        // When they are put into words
        let words = rules.map(\.plainWords)

        // Then each reads as the end of "kept …"
        #expect(
            words == [
                "until you close your account, then at most 365 days", "until you unsubscribe, then at most 1 day",
                "until contract end, then at most 30 days", "for 90 days after we record it",
                "as long as the law requires (bookkeeping law)",
            ])
    }
}
