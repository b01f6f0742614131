import Foundation
import Hummingbird
import HummingbirdTesting

/// A tiny browser over the test client: keeps cookies, finds the CSRF token in pages, posts forms.
final class Browser {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var csrf = ""
    var userAgent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
    /// Headers sent with every request (e.g. `Sec-GPC: 1`).
    var extraHeaders: HTTPFields = [:]

    init(_ client: any TestClientProtocol) {
        self.client = client
    }

    struct Page {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String
        /// The body as received (for downloads that are not text).
        let bytes: [UInt8]
        var location: String? { headers[.location] }
    }

    @discardableResult
    func get(_ path: String) async throws -> Page {
        let page = try await send(path, method: .get, body: nil)
        if let token = Self.csrfToken(in: page.body) { csrf = token }
        return page
    }

    @discardableResult
    func post(_ path: String, _ fields: [String: String], includeCSRF: Bool = true) async throws -> Page {
        var fields = fields
        if includeCSRF { fields["csrf"] = csrf }
        let body = fields.map { key, value in
            "\(Self.encode(key))=\(Self.encode(value))"
        }.joined(separator: "&")
        let page = try await send(path, method: .post, body: body)
        if let token = Self.csrfToken(in: page.body) { csrf = token }
        return page
    }

    private func send(_ path: String, method: HTTPRequest.Method, body: String?) async throws -> Page {
        var headers: HTTPFields = [.userAgent: userAgent]
        headers.append(contentsOf: extraHeaders)
        if !cookies.isEmpty {
            headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        if body != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let response = try await client.execute(
            uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        for line in response.headers[values: .setCookie] {
            let pair = line.split(separator: ";")[0].split(
                separator: "=", maxSplits: 1, omittingEmptySubsequences: false
            )
            .map(String.init)
            guard pair.count == 2 else { continue }
            if pair[1].isEmpty || line.contains("Max-Age=0") {
                cookies[pair[0]] = nil
            } else {
                cookies[pair[0]] = pair[1]
            }
        }
        return Page(
            status: response.status, headers: response.headers, body: String(buffer: response.body),
            bytes: Array(buffer: response.body))
    }

    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value="([^"]+)""#, options: .regularExpression) else {
            return nil
        }
        let match = html[range]
        return match.split(separator: "\"").dropFirst(3).first.map(String.init)
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The first link in a mail that matches a path prefix, as a local path with its query.
    static func link(in mail: String, path: String) -> String? {
        let unfolded = mail.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=3D", with: "=")
        guard
            let range = unfolded.range(
                of: #"https?://[^/\s]+\#(path)\?token=[A-Za-z0-9_-]+"#, options: .regularExpression)
        else { return nil }
        let url = URL(string: String(unfolded[range]))!
        return url.path + "?" + (url.query ?? "")
    }
}
