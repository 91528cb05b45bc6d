public import Foundation
public import Logging
public import StripeAPI
import Tracing

/// One pass of the event worker: claims due events, routes each, and records the outcome. Failures retry
/// on `schedule` (`RetrySchedule.events`); once it is spent, or at once for errors no retry can fix (Stripe
/// does not know the object), the event is parked as `dead` with its error, for an operator. An event about
/// an order not known yet retries on `orphanSchedule` and is parked as `orphaned`.
public struct EventProcessor: Sendable {
    /// How one event went, for metrics and logs.
    public enum Outcome: Sendable, Hashable {
        /// `released`: the instance stopped before the event was handled; it is due at once for another.
        case processed, ignored, retried, dead, orphaned, released
    }

    let store: any FulfillmentStore
    let router: EventRouter
    let schedule: RetrySchedule
    let orphanSchedule: RetrySchedule
    /// How long a claim hides an event from other workers; a crashed worker's claim ends with it.
    let lease: Duration
    let now: @Sendable () -> Date
    let logger: Logger

    public init(
        store: any FulfillmentStore, router: EventRouter, schedule: RetrySchedule = .events,
        orphanSchedule: RetrySchedule = .orphanedEvents, lease: Duration = .seconds(60), now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.store = store
        self.router = router
        self.schedule = schedule
        self.orphanSchedule = orphanSchedule
        self.lease = lease
        self.now = now
        self.logger = logger
    }

    /// Claims up to `limit` due events.
    public func claim(limit: Int) async throws -> [InboxEvent] {
        let start = now()
        return try await store.claimEvents(limit: limit, now: start, leaseUntil: start.addingTimeInterval(lease.seconds))
    }

    /// Handles one claimed event and records the outcome, in a span continuing the trace of the webhook that
    /// brought it (the Stripe requests, the store's transactions and the emails and dispatches it queues are in
    /// that trace).
    public func process(_ event: InboxEvent) async -> Outcome {
        await withSpan("fulfillment.event", context: TraceContext.context(continuing: event.traceParent), ofKind: .consumer) { span in
            span.attributes["stripe.event.id"] = event.id
            span.attributes["stripe.event.type"] = event.type
            span.attributes["fulfillment.event.attempt"] = event.attempts
            let outcome = await handle(event, span: span)
            span.attributes["fulfillment.event.outcome"] = "\(outcome)"
            return outcome
        }
    }

    private func handle(_ event: InboxEvent, span: any Span) async -> Outcome {
        var logger = logger
        logger[metadataKey: "stripe.event.id"] = "\(event.id)"
        logger[metadataKey: "stripe.event.type"] = "\(event.type)"
        do {
            let note = try await router.handle(event)
            try await store.completeEvent(id: event.id, status: .processed, note: note, now: now())
            logger.debug("event processed", metadata: ["note": "\(note)"])
            return .processed
        } catch let decision as IgnoredEvent {
            do {
                try await store.completeEvent(id: event.id, status: .ignored, note: decision.reason, now: now())
            } catch {
                logger.error("could not record an ignored event", metadata: ["error": "\(error)"])
                return .retried
            }
            logger.info("event ignored", metadata: ["reason": "\(decision.reason)"])
            return .ignored
        } catch where Task.isCancelled {
            // Stopped by the shutdown grace, not failed: no attempt is counted and no retry waits.
            await release([event])
            logger.notice("event given back: the instance is stopping")
            return .released
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            let orphan = error is OrphanEventError
            let retryAt = Self.isPermanent(error)
                ? nil : (orphan ? orphanSchedule : schedule).retryAt(afterAttempts: event.attempts, queuedAt: event.receivedAt, now: now())
            let parkAs: InboxEventStatus = orphan ? .orphaned : .dead
            do {
                try await store.failEvent(
                    id: event.id, error: String(describing: error), retryAt: retryAt, parkAs: parkAs, now: now())
            } catch let storeError {
                // The claim's lease will end and the event will be tried again: nothing is lost.
                logger.error("could not record event failure", metadata: ["error": "\(storeError)"])
            }
            if retryAt == nil {
                logger.error(
                    "event parked as \(parkAs.rawValue)", metadata: ["error": "\(error)", "attempts": "\(event.attempts)"])
                return orphan ? .orphaned : .dead
            }
            logger.warning("event failed, will retry", metadata: ["error": "\(error)", "attempts": "\(event.attempts)"])
            return .retried
        }
    }

    /// Gives back claimed events this instance will not handle (it is stopping): due at once for any worker.
    /// A failure is only logged: their leases end and they are claimed then.
    public func release(_ events: [InboxEvent]) async {
        guard !events.isEmpty else { return }
        let (store, ids, now) = (store, events.map(\.id), now)
        do {
            try await evenIfCancelled { try await store.releaseEvents(ids: ids, now: now()) }
        } catch {
            logger.error("could not give back claimed events; their leases will end", metadata: ["error": "\(error)"])
        }
    }

    /// Errors no retry can fix: Stripe does not know the object, or refuses the request as invalid.
    static func isPermanent(_ error: any Error) -> Bool {
        if error is any NotRetryable { return true }
        if let error = error as? StripeError { return error.httpStatus == 404 || error.kind == .invalidRequest }
        return false
    }
}
