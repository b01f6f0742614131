import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import App

/// Public assets are answered from memory with validators, security headers, and a 304 for a cached copy.
@Suite struct StaticAssetTests {
    @Test func assetsComeFromMemoryWithTypeLengthAndETag() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let css = try await client.execute(uri: "/css/site.css", method: .get)
                #expect(css.status == .ok)
                #expect(css.headers[.contentType] == "text/css; charset=utf-8")
                #expect(css.headers[.contentLength] == String(css.body.readableBytes))
                #expect(css.headers[.cacheControl] == "max-age=3600")
                #expect(css.headers[.contentSecurityPolicy] != nil)
                let etag = try #require(css.headers[.eTag])
                #expect(etag.hasPrefix("\"") && etag.count == 26)

                let cached = try await client.execute(
                    uri: "/css/site.css", method: .get, headers: [.ifNoneMatch: "W/\"x\", " + etag])
                #expect(cached.status == .notModified)
                #expect(cached.body.readableBytes == 0)

                let head = try await client.execute(uri: "/js/consent.js", method: .head)
                #expect(head.status == .ok)
                #expect(head.headers[.contentType] == "text/javascript; charset=utf-8")
                #expect(head.body.readableBytes == 0)

                let svg = try await client.execute(uri: "/favicon.svg", method: .get)
                #expect(svg.headers[.contentType] == "image/svg+xml")
            }
        }
    }

    @Test func unknownAssetsAndEscapesAre404() async throws {
        try await TestApp.with { app in
            try await app.test { client in
                let missing = try await client.execute(uri: "/css/missing.css", method: .get)
                #expect(missing.status == .notFound)
                let escape = try await client.execute(uri: "/css/../../Package.swift", method: .get)
                #expect(escape.status == .badRequest || escape.status == .notFound)
            }
        }
    }

    @Test func theStoreKeepsOnlyAssetPaths() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("assets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("css"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("body{}".utf8).write(to: folder.appendingPathComponent("css/a.css"))
        try Data("secret".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        let store = AssetStore(directory: folder.path, maxAge: 60)
        #expect(Set(store.assets.keys) == ["/css/a.css"])
        #expect(AssetStore.matches("*", "\"a\""))
        #expect(!AssetStore.matches("\"b\"", "\"a\""))
    }
}
