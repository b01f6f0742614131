import Hummingbird
import Policy

/// Reads the visitor's cookie choice and Global Privacy Control signal into the request context.
///
/// `Sec-GPC: 1` (exactly that value) counts as an opt-out of advertising, sharing and non-essential cookies. For
/// a signed-in member it is also recorded as consent withdrawn (method `gpc`), once per purpose that was granted.
struct ConsentMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let cookies: CookieSettings
    let state: PolicyState
    let consent: ConsentService
    let members: SQLMemberRepository

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if StaticPaths.skipsSession(request.uri.path) { return try await next(request, context) }
        var context = context
        context.gpc = request.headers[.init("Sec-GPC")!] == "1"
        let snapshot = state.current
        if let value = request.cookies[cookies.consent]?.value, let choice = CookieChoice(cookie: value),
            choice.revision >= snapshot.cookieRevision
        {
            context.cookieChoice = choice
        }
        if context.gpc, let session = context.member,
            let subjectID = try await members.subjectID(memberID: session.memberID)
        {
            let grants = try await consent.repository.grants(subjectID: subjectID)
            let withdrawals = snapshot.gpcPurposes.filter { grants[$0]?.granted == true }.sorted().map {
                (id: $0, granted: false)
            }
            if !withdrawals.isEmpty {
                try await consent.record(
                    withdrawals, subjectID: subjectID, method: .gpc, requestID: context.requestID,
                    actor: .member(session.memberID))
            }
        }
        return try await next(request, context)
    }
}
