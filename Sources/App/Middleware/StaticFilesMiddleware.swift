import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Serves the files of `Resources/public` for asset paths only, so pages never pay for a file-system look-up.
///
/// The public folder holds a few small files (style sheets, scripts, icons). They are read once at start-up and
/// answered from memory with a strong `ETag`, so an asset request never waits for the blocking file pool — which
/// matters most when the CPU is busy hashing passwords. Files larger than ``AssetStore/largestInMemory`` are left
/// to Hummingbird's `FileMiddleware`, which streams them from disk.
struct StaticFilesMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let store: AssetStore
    let files: FileMiddleware<AppRequestContext, LocalFileSystem>

    init(directory: String, maxAge: Int = 3600) {
        self.store = AssetStore(directory: directory, maxAge: maxAge)
        self.files = FileMiddleware(
            directory, cacheControl: .init([(MediaType(type: .any), [.maxAge(maxAge)])]), searchForIndexHtml: false)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        guard StaticPaths.isAsset(path) else { return try await next(request, context) }
        guard request.method == .get || request.method == .head, let asset = store.assets[path] else {
            return try await files.handle(request, context: context, next: next)
        }
        if let tag = request.headers[.ifNoneMatch], AssetStore.matches(tag, asset.etag) {
            var headers = asset.headers
            headers[.contentLength] = nil
            return Response(status: .notModified, headers: headers)
        }
        let body = request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: asset.body)
        return Response(status: .ok, headers: asset.headers, body: body)
    }
}

/// The public files held in memory, with their answer headers built once.
struct AssetStore: Sendable {
    struct Asset: Sendable {
        let body: ByteBuffer
        let etag: String
        let headers: HTTPFields
    }

    /// Files above this size are streamed from disk instead.
    static let largestInMemory = 512 * 1024
    /// The most the store holds in all; further files are streamed from disk.
    static let budget = 8 * 1024 * 1024

    /// Assets by request path (`/css/site.css`).
    let assets: [String: Asset]

    init(directory: String, maxAge: Int) {
        var assets: [String: Asset] = [:]
        var total = 0
        let root = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey])
        while let url = enumerator?.nextObject() as? URL {
            guard let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey]),
                values.isRegularFile == true, let size = values.fileSize, size <= Self.largestInMemory,
                total + size <= Self.budget, let data = try? Data(contentsOf: url)
            else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count))
            let path = relative.hasPrefix("/") ? relative : "/" + relative
            guard StaticPaths.isAsset(path) else { continue }
            total += data.count
            let digest = SHA256.hash(data: data).prefix(12).map { String(format: "%02x", $0) }.joined()
            let etag = "\"\(digest)\""
            var headers = HTTPFields()
            headers[.contentType] = Self.contentType(of: path)
            headers[.contentLength] = String(data.count)
            headers[.eTag] = etag
            headers[.cacheControl] = "max-age=\(maxAge)"
            assets[path] = Asset(body: ByteBuffer(bytes: data), etag: etag, headers: headers)
        }
        self.assets = assets
    }

    /// Whether an `If-None-Match` value names this entity tag (a list, weak tags or `*`).
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == etag
        }
    }

    static func contentType(of path: String) -> String {
        let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch ext {
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        case "ico": return "image/x-icon"
        case "woff2": return "font/woff2"
        case "woff": return "font/woff"
        case "json": return "application/json"
        case "txt": return "text/plain; charset=utf-8"
        case "html": return "text/html; charset=utf-8"
        default:
            return MediaType.getMediaType(forExtension: ext)?.description ?? "application/octet-stream"
        }
    }
}
