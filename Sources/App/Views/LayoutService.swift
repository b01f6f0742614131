import Foundation
import Hummingbird
import Policy
import SQLKit
import Storage

/// Builds what the base layout needs for a request: the viewer, the cookie banner, the policy notice, and
/// whether Google Analytics may load.
struct LayoutService: Sendable {
    let accounts: AccountService
    let state: PolicyState
    let database: Database
    /// The Google Analytics measurement id, when configured.
    let gaMeasurementID: String?

    func input(_ request: Request, _ context: AppRequestContext, member: Member? = nil) async throws -> LayoutInput {
        var viewer = member
        if viewer == nil, let session = context.member {
            viewer = try await accounts.member(id: session.memberID)
        }
        let snapshot = state.current
        var input = LayoutInput(
            viewerName: viewer?.profile.name, viewerUnverified: viewer.map { !$0.isVerified } ?? false,
            csrfToken: context.csrfToken, flash: context.flash, path: request.uri.path)
        if context.cookieChoice == nil && !snapshot.bannerCategories.isEmpty && request.uri.path != "/cookies" {
            input.banner = LayoutView.BannerView(
                categories: bannerCategories(snapshot, choice: nil), gpc: context.gpc, returnTo: request.uri.description
            )
        }
        if let id = gaMeasurementID, !context.gpc {
            input.gaMeasurementID = id
            if context.cookieChoice?.allows("analytics") == true { input.analyticsMeasurementID = id }
        }
        if let viewer {
            input.policyNotice = try await notice(memberID: viewer.id, snapshot: snapshot)
        }
        return input
    }

    /// The banner's categories with their labels and what they cover, from the policy's cookies.
    func bannerCategories(_ snapshot: PolicySnapshot, choice: CookieChoice?) -> [LayoutView.BannerCategory] {
        snapshot.bannerCategories.map { category in
            LayoutView.BannerCategory(
                id: category, label: Self.label(category), description: snapshot.bannerDescriptions[category] ?? "",
                checked: choice?.allows(category) ?? false)
        }
    }

    static func label(_ category: String) -> String {
        switch category {
        case "preferences": "Preferences"
        case "analytics": "Analytics"
        case "marketing": "Marketing"
        default: category.capitalized
        }
    }

    /// The newest policy change the member has not acknowledged yet.
    private func notice(memberID: String, snapshot: PolicySnapshot) async throws -> LayoutView.PolicyNoticeView? {
        guard
            let row = try await database.sql.select().column("version").from("policy_notices")
                .where("member_id", .equal, memberID).where("acknowledged_at", .is, SQLLiteral.null)
                .orderBy("version", .descending).first()
        else { return nil }
        let version = try row.decode(column: "version", as: Int.self)
        guard let published = snapshot.versions.first(where: { $0.version == version }) else { return nil }
        return LayoutView.PolicyNoticeView(
            version: version, date: published.effectiveDate, changes: published.diff?.summary ?? [],
            hasSuspended: !(published.diff?.changedConsentPurposes.isEmpty ?? true))
    }
}
