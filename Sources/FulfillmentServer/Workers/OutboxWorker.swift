import Foundation
import FulfillmentCore
import Logging
import Prometheus
import ServiceLifecycle
import StripeAPI
import Tracing

/// Sends queued customer emails, each once per dedupe key, retrying failures on `schedule` (the outgoing
/// work's: backoff, then parked as dead after three days, for an operator to replay). Woken when a
/// fulfillment queues an email and on a poll interval.
///
/// Receipts give way to fulfilments: woken from idle, it first waits (`giveWay`, in `serve` up to a second)
/// until the event worker has nothing in flight, then sends everything due, batch after batch, without
/// waiting again. An email is safe in the outbox from the fulfilment's own commit; sending it costs about as
/// much CPU as the fulfilment itself (render, file or SMTP, two writes: 0.8-1 ms a session of the service's
/// 2 in the README's bench), and done in the middle of a burst it competes with the burst's fulfilments.
struct OutboxWorker: Service {
    let store: any FulfillmentStore
    let transport: any EmailTransport
    let doorbell: Doorbell
    let pollInterval: Duration
    /// How long, once shutdown begins, the email being sent may take (the rest of the batch is given back).
    let hold: Duration
    let lease: Duration
    let schedule: RetrySchedule
    let metrics: ServiceMetrics
    let now: @Sendable () -> Date
    let logger: Logger
    /// Returns when the work it gives way to is done, or when it has waited long enough.
    var giveWay: @Sendable () async -> Void = {}

    func run() async throws {
        await WorkerLoop.run(doorbell: doorbell, pollInterval: pollInterval, hold: hold, afterWaking: giveWay) { await runBatch() }
    }

    /// Sends one batch; returns how many emails it attempted.
    func runBatch() async -> Int {
        let start = now()
        let emails: [QueuedEmail]
        do {
            emails = try await store.claimEmails(limit: 16, now: start, leaseUntil: start.addingTimeInterval(lease.seconds))
        } catch is CancellationError {
            return 0
        } catch {
            logger.error("could not claim emails", metadata: ["error": "\(error)"])
            try? await Task.sleep(for: pollInterval)
            return 0
        }
        for (index, email) in emails.enumerated() {
            // Stopping: what is not sent yet is given back, for another instance to send now.
            if Task.isShuttingDownGracefully || Task.isCancelled {
                await giveBack(Array(emails[index...]))
                return index
            }
            do {
                // The sending is a span of the trace the email was decided in (a webhook's, for a receipt).
                try await withSpan(
                    "fulfillment.email", context: TraceContext.context(continuing: email.email.traceParent), ofKind: .producer
                ) { span in
                    span.attributes["fulfillment.email.key"] = email.email.dedupeKey
                    span.attributes["fulfillment.email.attempt"] = email.attempts
                    try await transport.send(email)
                    try await store.markEmailSent(id: email.id, now: now())
                    logger.info("email sent", metadata: ["email.key": "\(email.email.dedupeKey)"])
                }
                metrics.emailsSent.increment()
            } catch where Task.isCancelled {
                // Cancelled at the end of the shutdown grace, mid-send: given back (the server may have taken
                // it: at least once, as after a crash).
                await giveBack(Array(emails[index...]))
                return index + 1
            } catch {
                metrics.emailsFailed.increment()
                let retryAt = schedule.retryAt(afterAttempts: email.attempts, queuedAt: email.createdAt, now: now())
                // A failure to record it is no loss: the lease ends and the email is tried again.
                try? await store.markEmailFailed(id: email.id, error: "\(error)", retryAt: retryAt, now: now())
                let metadata: Logger.Metadata = ["email.key": "\(email.email.dedupeKey)", "error": "\(error)", "attempts": "\(email.attempts)"]
                if retryAt == nil {
                    metrics.emailsDead.increment()
                    logger.error("email parked as dead", metadata: metadata)
                } else {
                    logger.warning("email failed, will retry", metadata: metadata)
                }
            }
        }
        return emails.count
    }

    private func giveBack(_ emails: [QueuedEmail]) async {
        let (store, ids, now) = (store, emails.map(\.id), now)
        do {
            try await evenIfCancelled { try await store.releaseEmails(ids: ids, now: now()) }
            logger.notice("stopping: gave back \(ids.count) claimed emails not yet sent")
        } catch {
            logger.error("could not give back claimed emails; their leases will end", metadata: ["error": "\(error)"])
        }
    }
}
