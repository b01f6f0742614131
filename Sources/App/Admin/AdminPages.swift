/// View models of the staff console.
struct AdminLayoutExtras {
    struct NavItem {
        let label: String
        let href: String
        let isActive: Bool
    }
    struct StaffView {
        let name: String
        let role: String
    }
}

struct SetupPage {
    var fields: [String: FieldView]
    var formError: String?
    let token: String
    let role: String
    let emailLocked: Bool
    let invalid: Bool
}

struct TOTPSetupPage {
    var fields: [String: FieldView]
    var formError: String?
    let secret: String
    let otpauthURL: String
    let qrSVG: String?
}

struct DashboardPage {
    struct Card {
        let label: String
        let value: String
        let href: String
    }
    let cards: [Card]
    let welcome: String
}

struct OutboxPage {
    struct Message {
        let id: String
        let createdAt: String
        let to: String
        let subject: String
        let kind: String
        let status: String
        let statusClass: String
        let attempts: Int
        let lastError: String?
        let emlHref: String?
    }
    struct Counts {
        let sent: Int
        let pending: Int
        let failed: Int
    }
    let messages: [Message]
    let counts: Counts
    let relayConfigured: Bool
}

struct StaffPage {
    struct Row {
        let name: String
        let email: String
        let role: String
        let mfa: Bool
        let createdAt: String
    }
    struct Invite {
        let email: String
        let role: String
        let expiresAt: String
    }
    struct RoleOption {
        let value: String
        let label: String
        let selected: Bool
    }
    let members: [Row]
    let invites: [Invite]
    var fields: [String: FieldView]
    var formError: String?
    let roles: [RoleOption]
    let canInvite: Bool
}

/// Asks a staff member why they open a person's data before showing it.
struct PurposePage {
    struct Option {
        let value: String
        let label: String
    }
    /// Where the chosen purpose is sent (GET, as `purpose`).
    let action: String
    /// What is about to be opened, e.g. "the message “Welcome” to a@example.com".
    let what: String
    let purposes: [Option]
}

/// A console page and the roles that may see it. Every `/admin` page is listed here.
struct AdminPage: Sendable {
    let path: String
    let label: String
    let roles: Set<StaffRole>

    static let dashboard = AdminPage(path: "/admin", label: "Dashboard", roles: Set(StaffRole.allCases))
    /// Visitor statistics hold nothing personal: every role may see them.
    static let analytics = AdminPage(path: "/admin/analytics", label: "Analytics", roles: Set(StaffRole.allCases))
    /// Each staff member's own API tokens.
    static let tokens = AdminPage(path: "/admin/tokens", label: "API tokens", roles: Set(StaffRole.allCases))
    /// Data requests: the privacy officer's queue.
    static let requests = AdminPage(path: "/admin/requests", label: "Data requests", roles: [.owner, .privacyOfficer])
    /// The audit log viewer.
    static let audit = AdminPage(path: "/admin/audit", label: "Audit log", roles: [.owner, .privacyOfficer])
    static let outbox = AdminPage(path: "/admin/outbox", label: "Outbox", roles: [.owner, .privacyOfficer])
    static let staff = AdminPage(path: "/admin/staff", label: "Staff", roles: [.owner])
    static let lists = AdminPage(path: "/admin/lists", label: "Lists", roles: [.owner, .editor])
    static let campaigns = AdminPage(path: "/admin/campaigns", label: "Campaigns", roles: [.owner, .editor])
    static let updates = AdminPage(path: "/admin/updates", label: "Site updates", roles: [.owner, .editor])
    /// Downloading a list's subscribers (every address at once): owners only. Not a navigation entry.
    static let listExport = AdminPage(path: "/admin/lists/newsletter/export.csv", label: "Export", roles: [.owner])

    /// Every page, in navigation order.
    static let all: [AdminPage] = [
        dashboard, analytics, requests, audit, lists, campaigns, updates, outbox, staff, tokens,
    ]
}
