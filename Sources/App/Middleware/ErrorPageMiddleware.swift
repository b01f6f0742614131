import Foundation
import Hummingbird
import Logging

/// Turns errors into answers: a rendered error page for HTML routes, `{"error": …}` JSON under `/api/`.
///
/// A 5xx never shows internal text; it is logged with the request id.
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let renderer: Renderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let redirect as RedirectError {
            return Response(status: .seeOther, headers: [.location: redirect.location])
        } catch AccountError.busy {
            // Overload: answer in a few bytes, without rendering a page, so refusing stays cheap.
            return Response(
                status: .tooManyRequests,
                headers: [.retryAfter: "1", .contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: .init(string: "We are very busy right now. Try again in a moment.\n")))
        } catch {
            let (status, message, headers) = Self.describe(error)
            if status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            if request.uri.path.hasPrefix("/api/") || request.uri.path == "/healthz" {
                var response = Response(
                    status: status, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: .init(string: #"{"error":"\#(Self.jsonEscape(message))"}"#)))
                response.headers.append(contentsOf: headers)
                return response
            }
            var response = renderer.page(
                "site/error", title: Self.heading(status),
                content: ErrorPage(status: Int(status.code), heading: Self.heading(status), message: message),
                layout: LayoutInput(csrfToken: context.csrfToken, flash: nil, path: request.uri.path), status: status)
            response.headers.append(contentsOf: headers)
            return response
        }
    }

    static func describe(_ error: any Error) -> (HTTPResponse.Status, String, HTTPFields) {
        switch error {
        case let error as AccountError:
            switch error {
            case .rateLimited(let retryAfter):
                return (
                    .tooManyRequests, "Too many attempts. Try again in \(retryAfter) seconds.",
                    [.retryAfter: String(retryAfter)]
                )
            case .busy:
                // Too many password checks in flight: refuse at once rather than queue without bound.
                return (.tooManyRequests, "We are very busy right now. Try again in a moment.", [.retryAfter: "1"])
            case .notFound: return (.notFound, "This account does not exist any more.", [:])
            case .invalidLink: return (.badRequest, "This link is invalid, used or expired.", [:])
            case .wrongCredentials: return (.unauthorized, "E-mail or password is wrong.", [:])
            case .invalid: return (.badRequest, "Some fields need attention.", [:])
            }
        case let error as HTTPError:
            let message: String
            switch error.status {
            case .notFound: message = "There is no page at this address."
            case .contentTooLarge: message = "What you sent is too large."
            case .forbidden: message = error.body ?? "You may not see this page."
            case .methodNotAllowed: message = "This page does not accept that kind of request."
            default:
                message =
                    error.status.code < 500
                    ? (error.body ?? error.status.reasonPhrase) : "Something went wrong on our side."
            }
            return (error.status, message, error.headers)
        default:
            return (.internalServerError, "Something went wrong on our side. It was logged; please try again.", [:])
        }
    }

    static func heading(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: "Page not found"
        case 403: "Not allowed"
        case 413: "Too large"
        case 429: "Slow down"
        case 400..<500: "Something is not right"
        default: "Something went wrong"
        }
    }

    static func jsonEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
