public import Foundation
public import Logging
import StripeAPI
import Tracing

/// One pass of the dispatch worker: claims due dispatches, hands each to its channel's handler, and records
/// the outcome: delivered, retried on `schedule`, or parked as dead once its retry window has passed.
public struct DispatchProcessor: Sendable {
    /// How one dispatch went, for metrics and logs.
    public enum Outcome: Sendable, Hashable {
        /// `released`: the instance stopped before it was delivered; it is due at once for another.
        case delivered, retried, dead, released
    }

    let store: any FulfillmentStore
    let registry: DispatchRegistry
    let schedule: RetrySchedule
    let lease: Duration
    let now: @Sendable () -> Date
    let logger: Logger

    public init(
        store: any FulfillmentStore, registry: DispatchRegistry, schedule: RetrySchedule = .outgoing,
        lease: Duration = .seconds(60), now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.store = store
        self.registry = registry
        self.schedule = schedule
        self.lease = lease
        self.now = now
        self.logger = logger
    }

    public func claim(limit: Int) async throws -> [QueuedDispatch] {
        let start = now()
        return try await store.claimDispatches(limit: limit, now: start, leaseUntil: start.addingTimeInterval(lease.seconds))
    }

    /// Delivers one claimed dispatch and records the outcome. A failure to record is logged: the claim's
    /// lease ends and the dispatch is tried again (at least once, never lost).
    public func process(_ queued: QueuedDispatch) async -> Outcome {
        // In the trace of the change that queued it.
        await withSpan("fulfillment.dispatch", context: TraceContext.context(continuing: queued.dispatch.traceParent), ofKind: .producer) { span in
            span.attributes["fulfillment.dispatch.id"] = queued.dispatch.id
            span.attributes["fulfillment.dispatch.channel"] = queued.dispatch.channel
            span.attributes["fulfillment.dispatch.type"] = queued.dispatch.type
            let outcome = await deliver(queued)
            span.attributes["fulfillment.dispatch.outcome"] = "\(outcome)"
            if outcome != .delivered, outcome != .released { span.setStatus(SpanStatus(code: .error)) }
            return outcome
        }
    }

    private func deliver(_ queued: QueuedDispatch) async -> Outcome {
        var logger = logger
        logger[metadataKey: "dispatch.id"] = "\(queued.dispatch.id)"
        logger[metadataKey: "dispatch.channel"] = "\(queued.dispatch.channel)"
        do {
            guard let handler = registry.handler(for: queued.dispatch.channel) else {
                throw NoDispatchHandler(channel: queued.dispatch.channel)
            }
            try await handler.deliver(queued)
            try await store.markDispatchDelivered(id: queued.dispatch.id, now: now())
            logger.debug("dispatch delivered")
            return .delivered
        } catch where Task.isCancelled {
            // Stopped by the shutdown grace: given back, due at once for another instance, no attempt counted.
            let (store, id, now) = (store, queued.dispatch.id, now)
            do {
                try await evenIfCancelled { try await store.releaseDispatches(ids: [id], now: now()) }
            } catch {
                logger.error("could not give back a dispatch; its lease will end", metadata: ["error": "\(error)"])
            }
            return .released
        } catch {
            let retryAt = schedule.retryAt(afterAttempts: queued.attempts, queuedAt: queued.createdAt, now: now())
            do {
                try await store.markDispatchFailed(id: queued.dispatch.id, error: String(describing: error), retryAt: retryAt, now: now())
            } catch let storeError {
                logger.error("could not record a dispatch failure", metadata: ["error": "\(storeError)"])
            }
            if retryAt == nil {
                logger.error("dispatch parked as dead", metadata: ["error": "\(error)", "attempts": "\(queued.attempts)"])
                return .dead
            }
            logger.warning("dispatch failed, will retry", metadata: ["error": "\(error)", "attempts": "\(queued.attempts)"])
            return .retried
        }
    }
}
