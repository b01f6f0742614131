import Foundation
import Hummingbird

// The smallest Hummingbird server, the ceiling Steward's throughput is compared with: `GET /` for the home page,
// `POST /api/event` for analytics ingestion (reads the body, up to 4 KB like Steward, and answers 202).
// Usage: hello PORT
guard CommandLine.arguments.count == 2, let port = Int(CommandLine.arguments[1]) else {
    print("usage: hello PORT")
    exit(2)
}

let router = Router()
router.get("/") { _, _ in "Hello, world!" }
router.post("/api/event") { request, _ -> Response in
    var request = request
    _ = try await request.collectBody(upTo: 4096)
    return Response(status: .accepted)
}
let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port)),
    onServerRunning: { _ in print("hello is listening on 127.0.0.1:\(port)") }
)
try await app.runService()
