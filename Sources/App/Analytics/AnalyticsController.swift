import Analytics
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /api/event`: the analytics script's events. Validates and bounds the input, drops bots, keeps only
/// non-personal dimensions, and answers 202 (400 with the reason for bad input, 503 with Retry-After when full).
struct AnalyticsController: Sendable {
    let ingestor: EventIngestor
    let salt: DailySalt
    let clock: any WallClock
    /// Countries from the IP address, when a GeoIP file is configured.
    let geoIP: GeoIPDatabase?
    /// The site's host: events for other hosts are refused.
    let siteHost: String

    /// The largest event body accepted.
    static let maxBodySize = 4096

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/api/event", use: event)
    }

    @Sendable func event(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maxBodySize)
        } catch {
            return Self.answer(.contentTooLarge, "the event is larger than \(Self.maxBodySize) bytes")
        }
        let input: EventInput
        do {
            input = try EventInput.parse(Array(buffer: body), maxBytes: Self.maxBodySize)
        } catch {
            return Self.answer(.badRequest, "\(error)")
        }
        guard input.host == siteHost || input.host.hasSuffix("." + siteHost) else {
            return Self.answer(.badRequest, "u: the page is not on this site")
        }
        let userAgent = request.headers[.userAgent] ?? ""
        if BotDetector.isBot(userAgent: userAgent) {
            // Answered like any event, so bots learn nothing; nothing is stored.
            return Self.answer(.accepted, nil)
        }
        let now = clock.milliseconds
        let agent = UserAgent.parse(userAgent)
        let campaign = Source.campaign(pageURL: input.url)
        let visitor = DailySalt.visitor(
            salt: try await salt.salt(now: now), ip: context.clientIP, userAgent: userAgent, host: input.host)
        let properties = input.properties.isEmpty ? nil : Self.json(input.properties)
        let stored = StoredEvent(
            occurredAt: now, kind: input.kind.rawValue, host: input.host, path: input.path,
            source: Source.of(pageURL: input.url, referrer: input.referrer, siteHost: siteHost),
            referrerHost: URLComponents(string: input.referrer)?.host ?? "", utmSource: campaign.source,
            utmMedium: campaign.medium, utmCampaign: campaign.campaign, browser: agent.browser,
            browserVersion: agent.browserVersion, os: agent.os, osVersion: agent.osVersion,
            device: agent.device.rawValue,
            country: geoIP?.country(of: context.clientIP) ?? "", screenWidth: input.screenWidth, visitor: visitor,
            durationMS: input.durationMS, link: input.link, name: input.name, properties: properties)
        guard try await ingestor.accept(stored) else {
            var response = Self.answer(.serviceUnavailable, "too many events at once; try again in a second")
            response.headers[.retryAfter] = "1"
            return response
        }
        return Self.answer(.accepted, nil)
    }

    private static func json(_ properties: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: properties, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// A short plain-text answer; no cookie, no caching.
    private static func answer(_ status: HTTPResponse.Status, _ reason: String?) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: reason.map { $0 + "\n" } ?? "")))
    }
}
