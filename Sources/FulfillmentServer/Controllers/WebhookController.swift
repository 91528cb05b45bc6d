import Foundation
import FulfillmentCore
import HTTPTypes
import Hummingbird
import Prometheus
import Logging
import StripeAPI

/// `POST /webhook`: reads the raw body (413 past the limit), verifies the signature on those exact bytes
/// (400 with the reason, nothing stored), parses the envelope (400 if malformed), stores the event in the
/// inbox (a duplicate is acknowledged, stored once; a storage failure is a 503 so Stripe retries), and only
/// then answers 200. Types no handler acts on are stored as `ignored`.
struct WebhookController<Context: RequestContext>: Sendable {
    let writer: InboxWriter
    let router: EventRouter
    let secrets: [String]
    let maximumBytes: Int
    let metrics: ServiceMetrics
    let doorbell: Doorbell
    let now: @Sendable () -> Date
    let logger: Logger
    /// One decoder for every request (it holds no per-decode state); creating one per request shows in profiles.
    private let decoder = JSONDecoder()

    /// The part of an event the intake reads; the rest is stored as received.
    struct Envelope: Decodable {
        struct DataObject: Decodable {
            struct Object: Decodable { var id: String? }
            var object: Object
        }
        var id: String
        var type: String
        var data: DataObject
    }

    func register(on router: Router<Context>) {
        router.post("webhook") { request, _ in await receive(request) }
    }

    func receive(_ request: Request) async -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maximumBytes {
            return refuse(.contentTooLarge, reason: "too_large", "Body exceeds \(maximumBytes) bytes.")
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maximumBytes)
        } catch {
            return refuse(.contentTooLarge, reason: "too_large", "Body exceeds \(maximumBytes) bytes.")
        }
        let bytes = Data(body.readableBytesView)
        do {
            try WebhookSignature(secrets: secrets).verify(payload: bytes, header: request.headers[.stripeSignature], now: now())
        } catch {
            return refuse(.badRequest, reason: "signature", "Signature verification failed: \(error)")
        }
        guard let envelope = try? decoder.decode(Envelope.self, from: bytes),
            !envelope.id.isEmpty, envelope.id.utf8.count <= 255, !envelope.type.isEmpty, envelope.type.utf8.count <= 255
        else {
            return refuse(.badRequest, reason: "malformed", "The body is not a Stripe event (id, type and data.object).")
        }
        let received = now()
        let handled = router.handles(envelope.type)
        let event = InboxEvent(
            id: envelope.id, type: envelope.type, objectID: envelope.data.object.id, payload: bytes,
            status: handled ? .pending : .ignored, receivedAt: received, nextAttemptAt: received,
            processedAt: handled ? nil : received, lastError: handled ? nil : "no handler for this event type")
        let outcome: InboxInsertOutcome
        do {
            outcome = try await writer.insert(event)
        } catch {
            logger.error("could not store webhook event", metadata: ["stripe.event.id": "\(envelope.id)", "error": "\(error)"])
            return json(.serviceUnavailable, ["error": "The event could not be stored; please retry."])
        }
        switch outcome {
        case .inserted:
            metrics.eventsReceived.increment()
            if handled { doorbell.ring() }
        case .duplicate:
            metrics.eventsDuplicate.increment()
        }
        logger.debug(
            "webhook stored",
            metadata: ["stripe.event.id": "\(envelope.id)", "stripe.event.type": "\(envelope.type)", "duplicate": "\(outcome == .duplicate)"])
        return WebhookAcknowledgement.response(duplicate: outcome == .duplicate, ignored: !handled)
    }

    private func refuse(_ status: HTTPResponse.Status, reason: String, _ message: String) -> Response {
        metrics.rejected(reason)
        logger.notice("webhook refused", metadata: ["reason": "\(reason)", "detail": "\(message)"])
        return json(status, ["error": .string(message)])
    }
}

/// The four possible 200 answers to a stored webhook, serialized once rather than per request.
enum WebhookAcknowledgement {
    private static let bodies: [String] = [false, true].flatMap { duplicate in
        [false, true].map { ignored in
            JSONValue.object(["received": true, "duplicate": .bool(duplicate), "ignored": .bool(ignored)]).serialized()
        }
    }

    static func response(duplicate: Bool, ignored: Bool) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: bodies[(duplicate ? 2 : 0) + (ignored ? 1 : 0)])))
    }
}

/// A JSON response.
func json(_ status: HTTPResponse.Status, _ body: JSONValue) -> Response {
    Response(
        status: status, headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(string: body.serialized())))
}

extension HTTPField.Name {
    static let stripeSignature = Self("Stripe-Signature")!
}
