import Hummingbird

/// Serves files from `Resources/public` for asset paths only, so pages never pay for a file-system look-up.
struct StaticFilesMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let files: FileMiddleware<AppRequestContext, LocalFileSystem>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard StaticPaths.isAsset(request.uri.path) else { return try await next(request, context) }
        return try await files.handle(request, context: context, next: next)
    }
}
