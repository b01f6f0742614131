import Foundation
import HTTPTypes
import SQLKit
import Storage
import Testing

@testable import App

/// "Download my data": the ZIP, its data.json against the published JSON Schema, and data.html.
@Suite struct DataExportTests {
    /// The repository's Python venv (made by scripts/install-test-deps.sh), which has `jsonschema`.
    static let python = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".venv/bin/python").path

    /// Runs a Python snippet with arguments; returns its standard output, or records its error output.
    static func python(_ code: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", code] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func timesAreRFC3339InUTC() {
        #expect(DataExportService.iso(0) == "1970-01-01T00:00:00Z")
        #expect(DataExportService.iso(1_800_000_000_999) == "2027-01-15T08:00:00Z")
        #expect(DataExportService.iso(-1) == "1969-12-31T23:59:59Z")
        #expect(DataExportService.iso(1_709_164_800_000 + 86_399_000) == "2024-02-29T23:59:59Z")
    }

    @Test func theCRCIsTheStandardOne() {
        #expect(ZipArchive.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(ZipArchive.crc32([]) == 0)
    }

    @Test func aMemberDownloadsEverythingHeldAboutThemAsAValidZIP() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.python),
            "run scripts/install-test-deps.sh: the test validates the export with the venv's jsonschema")
        try await TestApp.with { app in
            try await app.test { client in
                // Given a registered member who signed in again and withdrew a consent
                let browser = Browser(client)
                try await browser.get("/account/register")
                try await browser.post("/account/register", AccountFlowTests.profile)
                try await browser.get("/account/privacy")

                // When they download their data
                let download = try await browser.post("/account/privacy/export", [:])

                // Then they get a ZIP with a README, data.json and data.html
                #expect(download.status == .ok)
                #expect(download.headers[.contentType] == "application/zip")
                #expect(download.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"my-data-") == true)
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID())")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: folder) }
                let zip = folder.appendingPathComponent("my-data.zip")
                try Data(download.bytes).write(to: zip)
                let unzip = try Self.python(
                    "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; "
                        + "print(' '.join(sorted(z.namelist()))); z.extractall(sys.argv[2])",
                    [zip.path, folder.path])
                #expect(unzip.status == 0, "\(unzip.output)")
                #expect(
                    unzip.output.trimmingCharacters(in: .whitespacesAndNewlines) == "README.txt data.html data.json")

                // And data.json is valid against the schema the site publishes
                let schemaPage = try await browser.get("/privacy/export-schema.json")
                #expect(schemaPage.status == .ok)
                let schema = folder.appendingPathComponent("schema.json")
                try Data(schemaPage.bytes).write(to: schema)
                let validation = try Self.python(
                    "import sys, json, jsonschema; s = json.load(open(sys.argv[1])); "
                        + "jsonschema.Draft202012Validator.check_schema(s); "
                        + "jsonschema.Draft202012Validator(s, format_checker=jsonschema.FormatChecker())"
                        + ".validate(json.load(open(sys.argv[2]))); print('valid')",
                    [schema.path, folder.appendingPathComponent("data.json").path])
                #expect(validation.output.hasSuffix("valid\n"), "\(validation.output)")

                // And it holds the profile, the consents, the security log with its IP addresses, the messages,
                // and for every category why, who receives it and how long it is kept
                let data = try Data(contentsOf: folder.appendingPathComponent("data.json"))
                let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
                let profile = try #require(json["profile"] as? [String: Any])
                #expect(profile["name"] as? String == "Zelda Canarynova")
                #expect(profile["email"] as? String == "zelda.canary@example.test")
                #expect(profile["street"] as? String == "Canarystraat 77")
                #expect(profile["anything_else"] as? String == "I like canaries")
                let security = try #require(json["security_log"] as? [[String: Any]])
                #expect(security.contains { $0["event"] as? String == "register" && $0["ip_address"] != nil })
                let consents = try #require(json["consents"] as? [[String: Any]])
                let stored = try await app.services.database.sql.raw("SELECT COUNT(*) AS n FROM consent_records")
                    .first()?.decode(column: "n", as: Int.self)
                #expect(consents.count == stored)
                let messages = try #require(json["messages"] as? [[String: Any]])
                #expect(messages.contains { ($0["subject"] as? String)?.isEmpty == false })
                let categories = try #require(json["categories"] as? [[String: Any]])
                let ip = try #require(categories.first { $0["id"] as? String == "ip_address" })
                #expect((ip["items"] as? Int) == security.count)
                #expect(ip["retention_ends"] is String)
                #expect((ip["purposes"] as? [Any])?.isEmpty == false)
                let contact = try #require(categories.first { $0["id"] as? String == "contact" })
                #expect(
                    (contact["recipients"] as? [[String: Any]])?.contains { $0["id"] as? String == "mail_relay" }
                        == true)
                #expect((json["analytics"] as? [String: Any])?["holds_data_about_you"] as? Bool == false)
                #expect((json["rights"] as? [Any])?.count == 7)

                // And data.html shows the same, escaped, readable offline
                let html = try String(contentsOf: folder.appendingPathComponent("data.html"), encoding: .utf8)
                #expect(html.contains("Zelda Canarynova"))
                #expect(html.contains("Canarystraat 77"))
                #expect(html.contains("<h2>Security log</h2>"))
                #expect(!html.contains("{{"))

                // And the download is in the audit log
                let actions = try await app.services.database.sql.raw("SELECT action FROM audit_log").all()
                    .map { try $0.decode(column: "action", as: String.self) }
                #expect(actions.contains("privacy.export"))

                // And someone signed out gets nothing
                let stranger = Browser(client)
                try await stranger.get("/account/login")
                let refused = try await stranger.post("/account/privacy/export", [:])
                #expect(refused.status != .ok)
            }
        }
    }
}
