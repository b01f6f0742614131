import Foundation

/// A campaign: a message written in Markdown for one list (optionally narrowed by interests), and its sending.
struct Campaign: Sendable, Equatable {
    enum Status: String, Sendable, CaseIterable {
        case draft
        case scheduled
        case sending
        case paused
        case cancelled
        case sent

        var label: String {
            switch self {
            case .draft: "Draft"
            case .scheduled: "Scheduled"
            case .sending: "Sending"
            case .paused: "Paused"
            case .cancelled: "Cancelled"
            case .sent: "Sent"
            }
        }
    }

    let id: String
    var listID: String
    var subject: String
    /// Markdown with Mustache tags such as `{{name}}`.
    var body: String
    /// Interests that narrow the audience: recipients need at least one; empty means the whole list.
    var tags: [String]
    var status: Status
    var trackOpens: Bool
    var trackClicks: Bool
    var scheduledAt: Int64?
    var startedAt: Int64?
    var expandedAt: Int64?
    var finishedAt: Int64?
    /// Deliveries created when the campaign was expanded.
    var recipients: Int
    let createdBy: String
    var siteUpdateID: String?
    let createdAt: Int64
    var updatedAt: Int64

    /// Whether the content may still be edited.
    var isEditable: Bool { status == .draft || status == .scheduled }
}

/// How far a campaign has got, counted from its deliveries.
struct CampaignProgress: Sendable, Equatable, Codable {
    var sent = 0
    var pending = 0
    var failed = 0
    var dropped = 0
    var total: Int { sent + pending + failed + dropped }
    /// Share done (sent, failed or dropped), 0…100.
    var percent: Int { total == 0 ? 0 : (sent + failed + dropped) * 100 / total }
}
