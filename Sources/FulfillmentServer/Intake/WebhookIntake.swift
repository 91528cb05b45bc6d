import Foundation
import FulfillmentCore
import NIOHTTP1
import Logging
import Prometheus
import StripeAPI

/// What `POST /webhook` decides about one request before anything is stored: refuse it (with the status
/// and reason a sender can act on) or store the event it carries. Signature first, on the exact bytes
/// received; then the envelope (id, type, data.object). Types no handler takes are stored as `ignored`.
/// Runs on the event loop: synchronous, no allocation beyond the event it builds.
struct WebhookIntake: Sendable {
    let router: EventRouter
    let maximumBytes: Int
    let metrics: ServiceMetrics
    let now: @Sendable () -> Date
    let logger: Logger
    private let signature: WebhookSignature

    init(
        router: EventRouter, secrets: [String], maximumBytes: Int, metrics: ServiceMetrics,
        now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.router = router
        self.maximumBytes = maximumBytes
        self.metrics = metrics
        signature = WebhookSignature(secrets: secrets)
        self.now = now
        self.logger = logger
    }

    /// A refusal: nothing is stored.
    struct Refusal: Error, Equatable {
        var status: HTTPResponseStatus
        /// The metric label: `signature`, `malformed`, `too_large`.
        var reason: String
        var message: String

        static func tooLarge(_ maximumBytes: Int) -> Refusal {
            Refusal(status: .payloadTooLarge, reason: "too_large", message: "Body exceeds \(maximumBytes) bytes.")
        }
    }

    /// The event to store for `body` signed by `signatureHeader`, or why not.
    func admit(body: Data, signatureHeader: String?) -> Result<InboxEvent, Refusal> {
        guard body.count <= maximumBytes else { return .failure(refuse(.tooLarge(maximumBytes))) }
        do {
            try signature.verify(payload: body, header: signatureHeader, now: now())
        } catch {
            return .failure(refuse(Refusal(status: .badRequest, reason: "signature", message: "Signature verification failed: \(error)")))
        }
        guard let envelope = try? WebhookEventEnvelope(parsing: body),
            !envelope.id.isEmpty, envelope.id.utf8.count <= 255, !envelope.type.isEmpty, envelope.type.utf8.count <= 255
        else {
            return .failure(
                refuse(Refusal(status: .badRequest, reason: "malformed", message: "The body is not a Stripe event (id, type and data.object, or a thin v2.core.event).")))
        }
        let received = now()
        let handled = router.handles(envelope.type)
        return .success(
            InboxEvent(
                id: envelope.id, type: envelope.type, objectID: envelope.objectID, payload: body,
                status: handled ? .pending : .ignored, receivedAt: received, nextAttemptAt: received,
                processedAt: handled ? nil : received, lastError: handled ? nil : "no handler for this event type"))
    }

    /// Counts and logs a refusal; returns it.
    func refuse(_ refusal: Refusal) -> Refusal {
        metrics.rejected(refusal.reason)
        logger.notice("webhook refused", metadata: ["reason": "\(refusal.reason)", "detail": "\(refusal.message)"])
        return refusal
    }

    /// Counts a stored event (or a duplicate delivery). The inbox writer woke the worker for a new one to handle.
    func stored(_ event: InboxEvent, _ outcome: InboxInsertOutcome) {
        switch outcome {
        case .inserted:
            metrics.eventsReceived.increment()
        case .duplicate: metrics.eventsDuplicate.increment()
        }
        logger.debug(
            "webhook stored",
            metadata: ["stripe.event.id": "\(event.id)", "stripe.event.type": "\(event.type)", "duplicate": "\(outcome == .duplicate)"])
    }

    func storageFailed(_ event: InboxEvent, _ error: any Error) {
        logger.error("could not store webhook event", metadata: ["stripe.event.id": "\(event.id)", "error": "\(error)"])
    }
}
