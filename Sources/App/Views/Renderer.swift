import Foundation
import Hummingbird
import Mustache

/// Renders Mustache templates loaded once at start-up.
public struct Renderer: Sendable {
    /// Templates start-up insists on: a missing one fails start-up, not a request.
    static let required = [
        "layouts.base", "layouts.admin", "partials/field", "site/home", "site/error",
        "account/register", "account/login", "account/verify", "account/profile", "account/email",
        "account/password", "account/reset", "account/reset-confirm", "account/delete",
        "admin/setup", "admin/login", "admin/totp-setup", "admin/totp-verify", "admin/dashboard", "admin/outbox",
        "admin/staff", "policy/privacy", "policy/versions", "policy/cookies", "account/privacy",
        "emails/policy-changed.html", "emails/policy-changed.txt", "partials/cookie-banner", "partials/policy-notice",
    ]

    private let library: MustacheLibrary
    private let pageCache = PageCache(capacity: 128)
    private let siteProvider: @Sendable () -> SiteProfile

    /// The company as the live policy names it.
    var site: SiteProfile { siteProvider() }

    /// Loads every template under `directory`; `site` supplies the company shown on every page.
    /// - Throws: ``TemplateError`` naming a template that fails to parse or is missing.
    init(directory: String, extraRequired: [String] = [], site: @escaping @Sendable () -> SiteProfile) async throws {
        do {
            library = try await MustacheLibrary(directory: directory)
        } catch let error as MustacheLibrary.ParserError {
            throw TemplateError.unparsable(name: error.filename, reason: "\(error.error)")
        }
        for name in Self.required + extraRequired where library.getTemplate(named: name) == nil {
            throw TemplateError.missing(name)
        }
        self.siteProvider = site
    }

    /// Renders a template with a view model.
    /// - Returns: The text, or nil when the template does not exist.
    func render(_ name: String, _ model: Any) -> String? {
        library.render(model, withTemplate: name)
    }

    /// Copies a view model's stored properties into a template context, unwrapping optionals (absent ones are
    /// left out, so sections on them are skipped).
    static func merge(_ model: Any, into context: inout [String: Any]) {
        for child in Mirror(reflecting: model).children {
            guard let label = child.label else { continue }
            let mirror = Mirror(reflecting: child.value)
            if mirror.displayStyle == .optional {
                if let wrapped = mirror.children.first?.value { context[label] = wrapped }
            } else {
                context[label] = child.value
            }
        }
    }

    private func render(_ name: String, title: String, content: Any, layout: LayoutInput) -> String {
        var context: [String: Any] = [:]
        if let dictionary = content as? [String: Any] {
            context = dictionary
        } else {
            Self.merge(content, into: &context)
        }
        Self.merge(layout.view(title: title, site: site), into: &context)
        return library.render(context, withTemplate: name) ?? ""
    }

    /// Whether a template exists.
    func has(_ name: String) -> Bool {
        library.getTemplate(named: name) != nil
    }

    /// Renders a page: the page's own view model merged with the layout's keys.
    ///
    /// - Parameter cacheKey: For pages whose content depends only on the key (the home page, the policy): an
    ///   anonymous visitor's page is rendered once per key and layout variant and reused, with this request's
    ///   CSRF token put in. Pages for a signed-in person or with a one-time message are never cached.
    func page(
        _ name: String, title: String, content: @autoclosure () -> Any, layout: LayoutInput,
        status: HTTPResponse.Status = .ok, cacheKey: String? = nil
    ) -> Response {
        let body: ByteBuffer
        if let cacheKey, let variant = layout.cacheVariant {
            let key = name + "|" + cacheKey + "|" + variant
            let segments: [String]
            if let cached = pageCache.get(key) {
                segments = cached
            } else {
                var template = layout
                template.csrfToken = PageCache.csrfPlaceholder
                segments = render(name, title: title, content: content(), layout: template)
                    .components(separatedBy: PageCache.csrfPlaceholder)
                pageCache.set(key, segments)
            }
            body = PageCache.assemble(segments, token: layout.csrfToken)
        } else {
            body = ByteBuffer(string: render(name, title: title, content: content(), layout: layout))
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        if layout.analyticsMeasurementID != nil || layout.gaMeasurementID != nil {
            // Read (and removed) by SecurityHeadersMiddleware to allow Google's hosts in this page's CSP only.
            headers[SecurityHeadersMiddleware.thirdPartyMarker] = "google-analytics"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}

/// What a page needs from the request to fill the layout.
struct LayoutInput {
    var viewerName: String?
    var viewerUnverified = false
    var viewerIsStaff = false
    var csrfToken: String
    var flash: Flash?
    var path: String
    var banner: LayoutView.BannerView?
    var analyticsMeasurementID: String?
    var gaMeasurementID: String?
    var policyNotice: LayoutView.PolicyNoticeView?

    /// What distinguishes one anonymous layout from another, or nil when the page is personal (never cached).
    var cacheVariant: String? {
        guard viewerName == nil, flash == nil, policyNotice == nil else { return nil }
        let bannerKey = banner.map { "b\($0.gpc ? 1 : 0)\($0.returnTo)" } ?? "-"
        return "\(path)|\(bannerKey)|\(analyticsMeasurementID ?? "-")|\(gaMeasurementID ?? "-")|\(Self.year)"
    }

    /// The current year, for the footer (computed once an hour at most).
    static var year: String { YearCache.shared.year }

    func view(title: String, site: SiteProfile) -> LayoutView {
        let year = Self.year
        let nav: [LayoutView.NavItem] = [
            .init(label: "Home", href: "/", isActive: path == "/"),
            .init(label: "Privacy", href: "/privacy", isActive: path.hasPrefix("/privacy")),
            .init(label: "Cookies", href: "/cookies", isActive: path.hasPrefix("/cookies")),
        ]
        return LayoutView(
            title: title,
            site: .init(
                name: site.name, tagline: site.tagline, street: site.street, postalCode: site.postalCode,
                city: site.city, country: site.country, email: site.email, year: year),
            viewer: viewerName.map { .init(name: $0, isUnverified: viewerUnverified, isStaff: viewerIsStaff) },
            csrfToken: csrfToken,
            flash: flash.map { .init(kind: $0.kind, message: $0.message) },
            currentPath: path,
            nav: nav,
            banner: banner,
            analytics: analyticsMeasurementID.map { .init(measurementID: $0) },
            gaMeasurementID: gaMeasurementID,
            policyNotice: policyNotice)
    }
}

/// A template problem found at start-up.
public enum TemplateError: Error, CustomStringConvertible {
    case missing(String)
    case unparsable(name: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let name): "template \(name).mustache is missing"
        case .unparsable(let name, let reason): "template \(name) does not parse: \(reason)"
        }
    }
}
