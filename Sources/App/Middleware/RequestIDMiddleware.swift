import Hummingbird
import Logging
import Synchronization
import Vault

/// Gives each request a short random id, in its logger's metadata and in the `X-Request-Id` answer header.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        context.requestID = RequestIDs.next()
        context.logger[metadataKey: "request.id"] = "\(context.requestID)"
        var response = try await next(request, context)
        response.headers[.init("X-Request-Id")!] = context.requestID
        return response
    }
}

/// Request ids: a random prefix per process and a counter, unique without a system call per request.
enum RequestIDs {
    private static let prefix = Token.generate(byteCount: 6)
    private static let counter = Atomic<UInt64>(0)

    /// The next id, like `3fQ9xZkA-1a2b`.
    static func next() -> String {
        let value = counter.add(1, ordering: .relaxed).newValue
        return prefix + "-" + String(value, radix: 36)
    }
}
