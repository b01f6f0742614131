import Hummingbird

extension AccountService {
    /// The signed-in member of a member page, or a redirect to the login page that comes back here.
    func requireMember(_ request: Request, _ context: AppRequestContext) async throws -> Member {
        guard let session = context.member, let member = try await member(id: session.memberID) else {
            throw RedirectError(location: SitePath.login(next: request.uri.path).path)
        }
        return member
    }
}
