import Foundation
import Hummingbird
import Policy

/// The policy as the public sees it, rendered from the published version: `/privacy`, `/privacy.json`,
/// `/privacy/versions`, `/cookies`; the cookie choice (`POST /consent`) and `/.well-known/gpc.json`.
struct PolicyController: Sendable {
    let state: PolicyState
    let renderer: Renderer
    let layouts: LayoutService
    let consent: ConsentService
    let members: SQLMemberRepository
    let cookies: CookieSettings

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/privacy", use: privacy)
        router.get("/privacy.json", use: privacyJSON)
        router.get("/privacy/versions", use: versions)
        router.get("/cookies", use: cookiesPage)
        router.post("/consent", use: choose)
        router.get("/.well-known/gpc.json", use: gpc)
    }

    @Sendable func privacy(_ request: Request, context: AppRequestContext) async throws -> Response {
        let document = state.current.document
        let page = PrivacyPage(
            document: .init(
                title: document.title, version: document.version, date: document.date,
                sections: document.sections.map {
                    .init(id: $0.id, heading: $0.heading, paragraphs: $0.paragraphs, items: $0.items)
                }),
            toc: document.sections.map { .init(id: $0.id, heading: $0.heading) })
        return renderer.page(
            "policy/privacy", title: "Privacy policy", content: page, layout: try await layouts.input(request, context),
            cacheKey: "v\(document.version)")
    }

    @Sendable func privacyJSON(_ request: Request, context: AppRequestContext) async throws -> Response {
        let snapshot = state.current
        struct Body: Encodable {
            let version: Int
            let date: String
            let contentHash: String
            let policy: PrivacyPolicy
            let document: PolicyDocument
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(
            Body(
                version: snapshot.policy.version, date: snapshot.policy.date, contentHash: snapshot.policy.contentHash,
                policy: snapshot.policy, document: snapshot.document))
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: .init(bytes: data)))
    }

    @Sendable func versions(_ request: Request, context: AppRequestContext) async throws -> Response {
        let snapshot = state.current
        let current = snapshot.current?.version
        let page = VersionsPage(
            versions: snapshot.versions.reversed().map { version in
                VersionsPage.Version(
                    version: version.version, date: version.effectiveDate,
                    publishedAt: AccountService.format(version.publishedAt), isCurrent: version.version == current,
                    isFirst: version.diff == nil,
                    changes: (version.diff?.changes ?? []).map {
                        .init(kind: $0.kind.rawValue, section: $0.section.rawValue, summary: $0.summary)
                    })
            })
        return renderer.page(
            "policy/versions", title: "Policy versions", content: page,
            layout: try await layouts.input(request, context))
    }

    @Sendable func cookiesPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let snapshot = state.current
        let policy = snapshot.policy
        let page = CookiesPage(
            cookies: policy.cookies.map { cookie in
                CookiesPage.Cookie(
                    name: cookie.name, kind: cookie.kind == .session ? "Session" : "Persistent",
                    lifetime: cookie.lifetimeDays.map { $0 == 1 ? "1 day" : "\($0) days" }
                        ?? "Until you close the browser",
                    purpose: cookie.purpose == "essential"
                        ? "Essential" : (policy.purpose(cookie.purpose)?.name ?? cookie.purpose),
                    description: cookie.description,
                    provider: cookie.provider == "first-party"
                        ? policy.controller.name : (policy.recipient(cookie.provider)?.name ?? cookie.provider),
                    category: LayoutService.label(cookie.category), essential: cookie.essential)
            },
            settings: .init(
                categories: layouts.bannerCategories(snapshot, choice: context.cookieChoice), gpc: context.gpc,
                hasChoice: context.cookieChoice != nil))
        return renderer.page(
            "policy/cookies", title: "Cookies", content: page, layout: try await layouts.input(request, context))
    }

    /// Stores the visitor's cookie choice (and, for a member, records it as consent). Works as a plain form
    /// post (redirects back) and for `fetch` (answers JSON when asked for it).
    @Sendable func choose(_ request: Request, context: AppRequestContext) async throws -> Response {
        let snapshot = state.current
        let offered = snapshot.bannerCategories
        var allowed: Set<String>
        switch context.form.text("choice") {
        case "all": allowed = Set(offered)
        case "none": allowed = []
        default: allowed = Set((context.form.values["category"] ?? []).filter { offered.contains($0) })
        }
        if context.gpc {
            // Global Privacy Control wins over a click: no analytics or marketing cookies.
            allowed.subtract(["analytics", "marketing"])
        }
        let choice = CookieChoice(revision: snapshot.policy.version, allowed: allowed)
        if let session = context.member, let subjectID = try await members.subjectID(memberID: session.memberID) {
            var changes: [(id: String, granted: Bool)] = []
            for category in offered {
                for id in snapshot.consentIDs(forBannerCategory: category) {
                    changes.append((id: id, granted: allowed.contains(category)))
                }
            }
            try await consent.record(
                changes, subjectID: subjectID, method: .banner, requestID: context.requestID,
                actor: .member(session.memberID))
        }
        let cookie = cookies.persistentCookie(
            cookies.consent, choice.cookieValue(categories: offered), seconds: Self.choiceLifetime(snapshot.policy))
        if request.headers[.accept]?.contains("application/json") == true {
            let list = allowed.sorted().map { "\"\($0)\"" }.joined(separator: ",")
            var response = Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: .init(string: #"{"ok":true,"allowed":[\#(list)]}"#)))
            response.setCookie(cookie)
            return response
        }
        let back = context.form["returnTo"].flatMap { SitePath.isLocal($0) ? $0 : nil } ?? "/"
        var response = Response(status: .seeOther, headers: [.location: back])
        response.setCookie(cookie)
        return response
    }

    /// How long the choice cookie lives: the policy's declared lifetime of `steward_consent`, else 180 days.
    static func choiceLifetime(_ policy: PrivacyPolicy) -> Int {
        (policy.cookies.first { $0.name == "steward_consent" }?.lifetimeDays ?? 180) * 24 * 3600
    }

    @Sendable func gpc(_ request: Request, context: AppRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: .init(string: #"{"gpc":true,"lastUpdate":"\#(state.current.policy.date)"}"#)))
    }
}
