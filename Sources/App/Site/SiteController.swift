import Hummingbird
import Logging
import Prometheus
import Storage

/// The public site: home page and operations endpoints.
struct SiteController: Sendable {
    let renderer: Renderer
    let accounts: AccountController
    let database: Database
    let metrics: PrometheusCollectorRegistry

    struct HomePage {
        struct Feature {
            let heading: String
            let text: String
        }
        struct Hero {
            let heading: String
            let text: String
        }
        let hero: Hero
        let features: [Feature]
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/", use: home)
        router.get("/healthz", use: health)
        router.get("/metrics", use: metricsPage)
    }

    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        let page = HomePage(
            hero: .init(
                heading: "Every customer conversation, answered well",
                text:
                    "7Contact Solutions runs contact centres, help desks and customer messaging for companies that care how they sound. Create an account to follow our updates and manage what we send you."
            ),
            features: [
                .init(
                    heading: "Contact centre services",
                    text: "Phone, chat and e-mail support staffed by trained agents, in your voice."),
                .init(
                    heading: "Customer messaging",
                    text: "Newsletters, notices and offers sent only to people who asked for them."),
                .init(
                    heading: "Privacy by design",
                    text:
                        "Your details are encrypted, kept only as long as needed, and yours to see, correct or delete."),
            ])
        return renderer.page(
            "site/home", title: "Home", content: page, layout: try await accounts.layout(request, context),
            cacheKey: "home")
    }

    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> Response {
        do {
            try await database.ping()
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: .init(string: #"{"status":"ok","database":"reachable"}"#)))
        } catch {
            context.logger.error("health check: database unreachable", metadata: ["error": "\(error)"])
            return Response(
                status: .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: .init(string: #"{"status":"unavailable","database":"unreachable"}"#)))
        }
    }

    @Sendable func metricsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        var buffer: [UInt8] = []
        metrics.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: .init(bytes: buffer)))
    }
}
