import Policy
import Testing

@Suite struct PolicyDocumentTests {
    @Test func sectionsComeInReadingOrder() throws {
        // Given the minimal policy
        let policy = try Fixture.minimal()

        // When it is rendered
        let document = PolicyDocument(policy)

        // Then the sections appear in the agreed order, with title, version and date
        #expect(
            document.sections.map(\.id) == [
                "who-we-are", "what-we-collect", "why", "analytics", "sharing", "retention", "your-rights", "cookies",
                "security", "changes", "contact",
            ])
        #expect(document.title == "Privacy policy")
        #expect(document.version == 3)
        #expect(document.date == "2024-05-01")
        #expect(document.sections.allSatisfy { !$0.heading.isEmpty && !$0.paragraphs.isEmpty })
    }

    @Test func whoWeAreNamesTheControllerAndAddress() throws {
        // Given the minimal policy
        let document = PolicyDocument(try Fixture.minimal())

        // When the first section is read
        let text = try #require(document.section("who-we-are")).paragraphs.joined(separator: " ")

        // Then it names the controller, its address and e-mail
        #expect(text.contains("Example Ltd is responsible for the personal data"))
        #expect(text.contains("Our address is Main Street 5, 1000 Brussels, Belgium."))
        #expect(text.contains("write to privacy@example.test"))
    }

    @Test func onlyPersonalCategoriesAreListed() throws {
        // Given a policy with a non-personal category
        let document = PolicyDocument(try Fixture.minimal())

        // When the collection section is read
        let items = try #require(document.section("what-we-collect")).items

        // Then only personal categories appear
        #expect(
            items == [
                "E-mail address: The e-mail address you give us.",
                "IP address: The network address of your device.",
            ])
    }

    @Test func purposesStateBasisAndChoice() throws {
        // Given the minimal policy
        let document = PolicyDocument(try Fixture.minimal())

        // When the purposes are read
        let items = try #require(document.section("why")).items

        // Then each states what it uses, its basis in plain words and whether one can refuse
        #expect(
            items == [
                "Your account: We run your account. It uses your e-mail address. Legal basis: our agreement with you. "
                    + "We need this to provide what you asked for, so you cannot turn it off while you use that "
                    + "service.",
                "Newsletter: We send you our newsletter. It uses your e-mail address. Legal basis: your consent. We do "
                    + "this only if you agree, and you can withdraw your consent at any time.",
                "Security log: We log sign-ins to protect accounts. It uses your IP address. Legal basis: our "
                    + "legitimate interest. You can object to this at any time; we will then stop unless we have "
                    + "compelling reasons.",
            ])
    }

    @Test func analyticsExplainsCookielessStatistics() throws {
        // Given the minimal policy
        let document = PolicyDocument(try Fixture.minimal())

        // When the statistics section is read
        let paragraphs = try #require(document.section("analytics")).paragraphs

        // Then it says what, why, without cookies, and for how long
        #expect(
            paragraphs == [
                "We learn what people read.",
                "For that, we record pages viewed. None of this identifies you.",
                "We collect these statistics without setting any cookie.",
                "We delete the individual records after 30 days and keep only the totals.",
            ])
    }

    @Test func sharingNamesRecipientsAndConsent() throws {
        // Given the minimal policy
        let document = PolicyDocument(try Fixture.minimal())

        // When the sharing section is read
        let section = try #require(document.section("sharing"))

        // Then recipients are described and nothing else is shared
        #expect(section.paragraphs.contains("We do not otherwise share your data, unless the law requires us to."))
        #expect(
            section.items == [
                "Mail Co. It delivers our e-mails. Data shared: your e-mail address. Role: processor, acting only on "
                    + "our instructions and under a contract with us.",
                "Ad Partner. It shows you its offers. Data shared: your e-mail address. Role: third party, a separate "
                    + "company using the data under its own privacy policy. Only if you agree; you can withdraw that "
                    + "consent at any time.",
            ])
    }

    @Test func noRecipientsMeansNoSharing() throws {
        // Given a policy without recipients
        var policy = try Fixture.minimal()
        policy.recipients = []

        // When it is rendered
        let section = try #require(PolicyDocument(policy).section("sharing"))

        // Then it says no data is shared
        #expect(
            section.paragraphs == ["We do not share your personal data with anyone, unless the law requires us to."])
        #expect(section.items.isEmpty)
    }

    @Test func retentionIsInPlainWords() throws {
        // Given a policy with every kind of retention rule
        var policy = try Fixture.minimal()
        policy.retention[0] = RetentionRule(
            category: "contact", rule: .untilEvent(event: "unsubscribe", thenMaxDays: 365),
            description: "Then we delete it")
        policy.categories.append(DataCategory(id: "invoices", name: "Invoices", description: "Your invoices."))
        policy.retention.append(RetentionRule(category: "invoices", rule: .legalHold(reason: "tax law.")))

        // When it is rendered
        let items = try #require(PolicyDocument(policy).section("retention")).items

        // Then each category's rule reads naturally
        #expect(
            items == [
                "E-mail address: kept until you unsubscribe, then at most 365 days. Then we delete it.",
                "IP address: kept for 90 days after we record it.",
                "Invoices: kept as long as the law requires (tax law).",
            ])
    }

    @Test func rightsGiveTheDeadlineAndHowToAsk() throws {
        // Given a policy answering within 14 days
        let document = PolicyDocument(try Fixture.minimal())

        // When the rights section is read
        let section = try #require(document.section("your-rights"))
        let text = section.paragraphs.joined(separator: " ")

        // Then it lists the rights and says how and how fast requests are answered
        #expect(text.contains("/privacy/request"))
        #expect(text.contains("requests@example.test"))
        #expect(text.contains("We answer within 14 days of receiving your request."))
        #expect(
            section.items.map { $0.prefix { $0 != ":" } } == [
                "Access", "Correction", "Deletion", "Portability", "Objection", "Restriction", "Withdrawing consent",
                "Complaint",
            ])
        #expect(section.items.contains { $0.contains("as easily as you gave it") })
    }

    @Test func cookiesExplainKindsAndPointToTheCookiePage() throws {
        // Given the minimal policy
        let section = try #require(PolicyDocument(try Fixture.minimal()).section("cookies"))

        // When the cookie section is read
        let text = section.paragraphs.joined(separator: " ")

        // Then it explains session and persistent cookies, consent, and lists every cookie
        #expect(text.contains("A session cookie is deleted when you close your browser"))
        #expect(text.contains("/cookies"))
        #expect(
            section.items == [
                "steward_session: Keeps you signed in. Deleted when you close your browser; essential.",
                "tracker: Measures newsletter clicks. Kept for 30 days; set only if you allow marketing cookies. Set "
                    + "by Ad Partner.",
            ])
    }

    @Test func securityChangesAndContactAreStated() throws {
        // Given the minimal policy
        let document = PolicyDocument(try Fixture.minimal())

        // When the closing sections are read
        let security = try #require(document.section("security"))
        let changes = try #require(document.section("changes")).paragraphs.joined(separator: " ")
        let contact = try #require(document.section("contact")).paragraphs.joined(separator: " ")

        // Then they state the measures, how changes are announced, and where to write
        #expect(security.items == ["Encryption at rest."])
        #expect(changes.contains("version 3 of our privacy policy, in force since 1 May 2024"))
        #expect(changes.contains("by e-mail"))
        #expect(changes.contains("we ask for your consent again"))
        #expect(contact.contains("privacy@example.test (for requests about your data: requests@example.test)"))
        #expect(contact.contains("by post to Example Ltd, Main Street 5, 1000 Brussels, Belgium"))
    }

    @Test func defaultPolicyRendersItsFacts() throws {
        // Given the shipped policy
        let document = PolicyDocument(try Fixture.defaultPolicy())

        // When it is rendered
        let text = document.sections.flatMap { $0.paragraphs + $0.items }.joined(separator: "\n")

        // Then the key facts are in the prose
        #expect(text.contains("7Contact Solutions"))
        #expect(text.contains("in force since 13 March 2017"))
        #expect(text.contains("We answer within 14 days"))
        #expect(text.contains("IP address: kept for 90 days after we record it."))
        #expect(text.contains("PayPal (Europe) S.à r.l. et Cie, S.C.A., 22-24 Boulevard Royal, L-2449 Luxembourg."))
    }
}
