import Policy

/// Plain words for a category's retention rule, the same wording the policy page uses.
enum RetentionWording {
    static func describe(_ rule: RetentionRule?) -> String {
        rule?.rule.plainWords ?? "not declared"
    }
}
