/// A visitor's cookie choice, kept in the `steward_consent` cookie: `r<revision>.<category>-<0|1>…`.
///
/// `revision` is the policy version whose cookie questions the visitor answered; when a newer version changes
/// them, the banner asks again.
struct CookieChoice: Sendable, Equatable {
    var revision: Int
    var allowed: Set<String>

    /// Parses a cookie value; nil when it is malformed.
    init?(cookie: String) {
        let parts = cookie.split(separator: ".")
        guard let first = parts.first, first.hasPrefix("r"), let revision = Int(first.dropFirst()) else { return nil }
        self.revision = revision
        var allowed: Set<String> = []
        for part in parts.dropFirst() {
            let pair = part.split(separator: "-")
            guard pair.count == 2, ["preferences", "analytics", "marketing"].contains(String(pair[0])) else {
                return nil
            }
            if pair[1] == "1" { allowed.insert(String(pair[0])) }
        }
        self.allowed = allowed
    }

    init(revision: Int, allowed: Set<String>) {
        self.revision = revision
        self.allowed = allowed
    }

    /// The cookie value.
    func cookieValue(categories: [String]) -> String {
        (["r\(revision)"] + categories.map { "\($0)-\(allowed.contains($0) ? 1 : 0)" }).joined(separator: ".")
    }

    func allows(_ category: String) -> Bool { allowed.contains(category) }
}
