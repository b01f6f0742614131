import Foundation

/// What the base layout shows on every page.
struct LayoutView {
    struct SiteView {
        let name: String
        let tagline: String
        let street: String
        let postalCode: String
        let city: String
        let country: String
        let email: String
        let year: String
    }

    struct ViewerView {
        let name: String
        let isUnverified: Bool
        let isStaff: Bool
    }

    struct NavItem {
        let label: String
        let href: String
        let isActive: Bool
    }

    struct FlashView {
        let kind: String
        let message: String
    }

    struct BannerCategory {
        let id: String
        let label: String
        let description: String
        let checked: Bool
    }

    struct BannerView {
        let categories: [BannerCategory]
        let gpc: Bool
        let returnTo: String
    }

    struct AnalyticsView {
        let measurementID: String
    }

    struct PolicyNoticeView {
        let version: Int
        let date: String
        let changes: [String]
        let hasSuspended: Bool
    }

    let title: String
    let site: SiteView
    let viewer: ViewerView?
    let csrfToken: String
    let flash: FlashView?
    let currentPath: String
    let nav: [NavItem]
    let banner: BannerView?
    let analytics: AnalyticsView?
    /// Set when Google Analytics is configured and the browser sends no GPC signal, so the page's script can load
    /// it right after the visitor accepts analytics (never before).
    let gaMeasurementID: String?
    let policyNotice: PolicyNoticeView?
}

/// A form field as the `partials/field` template renders it.
struct FieldView {
    let id: String
    let name: String
    let label: String
    let type: String
    var value: String
    var error: String?
    var hint: String?
    var autocomplete: String?
    var required: Bool
    var maxlength: Int?
    var checked: Bool

    init(
        _ name: String, label: String, type: String = "text", value: String = "", error: String? = nil,
        hint: String? = nil, autocomplete: String? = nil, required: Bool = true, maxlength: Int? = nil,
        checked: Bool = false
    ) {
        self.id = "f-" + name
        self.name = name
        self.label = label
        self.type = type
        self.value = type == "password" ? "" : value
        self.error = error
        self.hint = hint
        self.autocomplete = autocomplete
        self.required = required
        self.maxlength = maxlength
        self.checked = checked
    }
}

/// The generic error page.
struct ErrorPage {
    let status: Int
    let heading: String
    let message: String
}
