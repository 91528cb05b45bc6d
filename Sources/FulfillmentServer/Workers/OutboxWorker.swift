import Foundation
import FulfillmentCore
import Logging
import Prometheus
import ServiceLifecycle
import StripeAPI

/// Sends queued customer emails, each once per dedupe key, retrying failures with capped backoff. Woken
/// when a fulfillment queues an email and on a poll interval.
struct OutboxWorker: Service {
    let store: any FulfillmentStore
    let transport: any EmailTransport
    let doorbell: Doorbell
    let pollInterval: Duration
    let lease: Duration
    let metrics: ServiceMetrics
    let now: @Sendable () -> Date
    let logger: Logger

    func run() async throws {
        await WorkerLoop.run(doorbell: doorbell, pollInterval: pollInterval) { await runBatch() }
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
        for email in emails {
            do {
                try await transport.send(email)
                try await store.markEmailSent(id: email.id, now: now())
                metrics.emailsSent.increment()
                logger.info("email sent", metadata: ["email.key": "\(email.email.dedupeKey)"])
            } catch {
                metrics.emailsFailed.increment()
                let wait = min(Duration.seconds(5) * (1 << min(email.attempts - 1, 10)), .seconds(1800))
                try? await store.markEmailFailed(id: email.id, error: "\(error)", retryAt: now().addingTimeInterval(wait.seconds), now: now())
                logger.warning("email failed, will retry", metadata: ["email.key": "\(email.email.dedupeKey)", "error": "\(error)"])
            }
        }
        return emails.count
    }
}
