import Foundation
import Hummingbird

// The smallest Hummingbird server, the ceiling Steward's home page throughput is compared with.
// Usage: hello PORT
guard CommandLine.arguments.count == 2, let port = Int(CommandLine.arguments[1]) else {
    print("usage: hello PORT")
    exit(2)
}

let router = Router()
router.get("/") { _, _ in "Hello, world!" }
let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port)),
    onServerRunning: { _ in print("hello is listening on 127.0.0.1:\(port)") }
)
try await app.runService()
