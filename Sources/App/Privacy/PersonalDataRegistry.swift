import Policy

/// Every stored personal field, with the policy category it belongs to.
///
/// A test compares this list with the live database schema and the policy: a personal column the registry does
/// not list, a category the policy does not declare, or a declared category without retention fails the build.
enum PersonalDataRegistry {
    /// One stored field.
    struct Field: Sendable, Hashable {
        let table: String
        let column: String
        let category: String
        /// How the field is shown to the person.
        let label: String
    }

    static let fields: [Field] = [
        .init(table: "members", column: "name_enc", category: "identity", label: "Full name"),
        .init(table: "members", column: "email_enc", category: "contact", label: "E-mail address"),
        .init(
            table: "members", column: "email_index", category: "contact",
            label: "Keyed fingerprint of your e-mail address"),
        .init(
            table: "members", column: "pending_email_enc", category: "contact",
            label: "New e-mail address awaiting confirmation"),
        .init(
            table: "members", column: "pending_email_index", category: "contact",
            label: "Keyed fingerprint of the new address"),
        .init(table: "members", column: "street_enc", category: "postal_address", label: "Street and number"),
        .init(table: "members", column: "postal_code_enc", category: "postal_address", label: "Postal code"),
        .init(table: "members", column: "city_enc", category: "postal_address", label: "City"),
        .init(table: "members", column: "country_enc", category: "postal_address", label: "Country"),
        .init(table: "members", column: "extra_enc", category: "extra_information", label: "What else you told us"),
        .init(
            table: "members", column: "password_hash", category: "account_credentials",
            label: "Password (as a bcrypt hash)"),
        .init(
            table: "security_events", column: "ip_enc", category: "ip_address",
            label: "IP address of each sign-in and account change"),
        .init(
            table: "security_events", column: "user_agent_enc", category: "ip_address",
            label: "Browser of each sign-in and account change"),
        .init(table: "staff", column: "name_enc", category: "identity", label: "Staff member's name"),
        .init(table: "staff", column: "email_enc", category: "contact", label: "Staff member's e-mail address"),
        .init(
            table: "staff", column: "email_index", category: "contact",
            label: "Keyed fingerprint of the staff e-mail address"),
        .init(
            table: "staff", column: "password_hash", category: "account_credentials",
            label: "Staff password (as a bcrypt hash)"),
        .init(table: "staff", column: "totp_secret_enc", category: "account_credentials", label: "Two-factor secret"),
        .init(table: "staff_invites", column: "email_enc", category: "contact", label: "Invited e-mail address"),
        .init(
            table: "staff_invites", column: "email_index", category: "contact",
            label: "Keyed fingerprint of the invited address"),
        .init(
            table: "outbox", column: "recipient_enc", category: "contact", label: "E-mail address messages were sent to"
        ),
        .init(table: "outbox", column: "subject_enc", category: "contact", label: "Subject of messages sent to you"),
        .init(table: "outbox", column: "message_enc", category: "contact", label: "Messages sent to you"),
        .init(
            table: "subscribers", column: "email_enc", category: "contact", label: "E-mail address you subscribed with"),
        .init(table: "subscribers", column: "name_enc", category: "identity", label: "Name you subscribed with"),
        .init(
            table: "subscribers", column: "email_index", category: "contact",
            label: "Keyed fingerprint of your subscribed address"),
        .init(
            table: "suppressions", column: "email_index", category: "contact",
            label: "Keyed fingerprint of an address that unsubscribed or bounced (never mailed again)"),
        .init(
            table: "privacy_requests", column: "email_enc", category: "contact",
            label: "E-mail address you filed a data request with"),
        .init(
            table: "privacy_requests", column: "email_index", category: "contact",
            label: "Keyed fingerprint of that address"),
        .init(
            table: "privacy_requests", column: "details_enc", category: "extra_information",
            label: "What you wrote in a data request"),
        .init(table: "consent_records", column: "purpose", category: "consent_records", label: "Your consent choices"),
        .init(
            table: "consent_records", column: "granted", category: "consent_records",
            label: "Whether each was given or withdrawn"),
    ]

    /// Columns that look personal by their names (`*_enc`, `*_index`, `password_hash`): each must be listed.
    static func looksPersonal(_ column: String) -> Bool {
        column.hasSuffix("_enc") || column.hasSuffix("_index") || column == "password_hash"
    }

    /// Where code reads a category for a purpose. The policy must allow every pair (a test checks them all, and
    /// ``Outbox`` checks its own at run time).
    static let accesses: [(purpose: String, category: String, use: String)] = [
        ("service", "contact", "account e-mails: verification, password reset, changes, policy notices"),
        ("service", "identity", "the greeting of account e-mails and the account page"),
        ("service", "postal_address", "the account page"),
        ("service", "extra_information", "the account page"),
        ("service", "account_credentials", "signing in"),
        ("audit_security", "ip_address", "the security log and the sign-ins list"),
        ("audit_security", "account_credentials", "rate limits and sign-in checks"),
        ("newsletter", "contact", "sending the newsletter to its subscribers"),
        ("newsletter", "identity", "the greeting of the newsletter"),
        ("site_updates", "contact", "e-mailing site updates to their subscribers"),
        ("site_updates", "identity", "the greeting of site-update e-mails"),
        ("promotions_events", "contact", "e-mailing promotions and invitations to their subscribers"),
        ("promotions_events", "identity", "the greeting of promotion e-mails"),
    ]

    /// The registered fields of a category, for the privacy dashboard.
    static func labels(
        of category: String, tables: Set<String> = ["members", "security_events", "outbox", "consent_records"]
    )
        -> [String]
    {
        fields.filter { $0.category == category && tables.contains($0.table) && !$0.column.hasSuffix("_index") }.map(
            \.label)
    }
}
