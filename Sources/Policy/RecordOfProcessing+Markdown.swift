import Foundation

extension RecordOfProcessing {
    /// The record as Markdown: the controller, then one table per processing activity (categories, legal basis,
    /// recipients, transfers, retention, security measures), then the non-personal analytics.
    public func markdown() -> String {
        var lines = [
            "# Record of processing activities",
            "",
            "Kept under Article 30 of the GDPR. Generated \(generatedAt) from privacy policy version \(policyVersion) "
                + "(\(policyDate)), content hash `\(policyHash)`.",
            "",
            "## Controller",
            "",
            "- Name: \(controller.name)",
            "- Address: \(controller.street), \(controller.postalCode) \(controller.city), \(controller.country)",
            "- E-mail: \(controller.email)",
        ]
        if let website = controller.website { lines.append("- Website: \(website)") }
        lines.append("- Requests from data subjects are answered within \(Wording.days(requestDeadlineDays)).")
        let security = securityMeasures.joined(separator: "; ")
        for activity in activities {
            lines += [
                "",
                "## \(Self.escaped(activity.name)) (`\(activity.id)`)",
                "",
                "| | |",
                "|---|---|",
                "| Purpose | \(Self.escaped(activity.description)) |",
                "| Legal basis | \(activity.legalBasis)\(activity.requiresConsent ? ", consent asked first" : "") |",
                "| Categories of personal data | \(Self.escaped(activity.categories.joined(separator: ", "))) |",
                "| Recipients | \(Self.escaped(activity.recipients.isEmpty ? "none" : activity.recipients.joined(separator: "; "))) |",
                "| Transfers outside the EEA | \(Self.escaped(activity.transfersOutsideEEA.isEmpty ? "none" : activity.transfersOutsideEEA.joined(separator: ", "))) |",
                "| Retention | \(Self.escaped(activity.retention.joined(separator: "; "))) |",
                "| Security measures | \(Self.escaped(security)) |",
            ]
        }
        lines += [
            "",
            "## Non-personal visitor statistics",
            "",
            "- Records: \(analytics.collects.joined(separator: ", "))",
            "- Purpose: \(analytics.purpose)",
            "- Cookies: \(analytics.cookieless ? "none" : "yes")",
            "- Raw events deleted after \(Wording.days(analytics.rawEventRetentionDays))",
            "",
            "## Security measures",
            "",
        ]
        lines += securityMeasures.map { "- \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Text safe inside a Markdown table cell: pipes escaped, line breaks flattened.
    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
