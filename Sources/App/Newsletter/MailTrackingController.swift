import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mailing
import NIOCore
import Policy

/// The tracking routes of campaign messages: `GET /t/o/<token>.gif` (the open pixel) and `GET /t/c/<token>?u=<url>`
/// (a tracked link). They set no cookie.
///
/// An event is recorded only when the token's signature is right, the policy declares tracking, the campaign has
/// the switch on, and the recipient — a member — holds the tracking consent now (a withdrawal after the send
/// stops the recording at once). The pixel answers the same image in every case, so it tells nothing; a link
/// redirects only when its signature covers the URL, so it cannot serve as an open redirect.
struct MailTrackingController: Sendable {
    let repository: SQLMailTrackingRepository
    let signer: MailTrackingSigner
    let consent: ConsentService
    let state: PolicyState
    let clock: any WallClock

    /// A transparent 1×1 GIF.
    static let pixel: [UInt8] = Array(
        Data(base64Encoded: "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7") ?? Data())

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/t/o/:token", use: open)
        router.get("/t/c/:token", use: click)
    }

    @Sendable func open(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        if token.hasSuffix(".gif"), let deliveryID = signer.openDelivery(String(token.dropLast(4))) {
            do {
                if let delivery = try await allowed(deliveryID, opens: true) {
                    try await repository.recordOpen(deliveryID: deliveryID, delivery: delivery, now: clock.milliseconds)
                }
            } catch {
                // The recipient sees the image either way; the failure is for the operator.
                context.logger.error("recording an open failed", metadata: ["error": "\(error)"])
            }
        }
        return Response(
            status: .ok,
            headers: [.contentType: "image/gif", .cacheControl: "no-store, private"],
            body: .init(byteBuffer: ByteBuffer(bytes: Self.pixel)))
    }

    @Sendable func click(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let url = request.uri.queryParameters["u"].map(String.init) ?? ""
        guard LinkRewriter.isWebURL(url), !url.contains(where: { $0.isNewline || $0 == "\0" }),
            let deliveryID = signer.clickDelivery(token, url: url)
        else { throw HTTPError(.notFound) }
        do {
            if let delivery = try await allowed(deliveryID, opens: false) {
                try await repository.recordClick(
                    deliveryID: deliveryID, delivery: delivery, url: url, now: clock.milliseconds)
            }
        } catch {
            context.logger.error("recording a click failed", metadata: ["error": "\(error)"])
        }
        return Response(status: .found, headers: [.location: url, .cacheControl: "no-store, private"])
    }

    /// The delivery when an event of it may be recorded now: tracking declared, the campaign's switch on, the
    /// recipient a member who holds the tracking consent.
    private func allowed(_ deliveryID: Int64, opens: Bool) async throws -> SQLMailTrackingRepository.TrackedDelivery? {
        guard let tracking = state.current.policy.mailTracking,
            let delivery = try await repository.delivery(id: deliveryID),
            opens ? delivery.trackOpens : delivery.trackClicks, delivery.memberID != nil
        else { return nil }
        let decision = try await consent.may(
            purpose: tracking.purpose, category: tracking.category, subjectID: delivery.subjectID)
        return decision.isAllowed ? delivery : nil
    }
}
