import Foundation
import FulfillmentCore
import Logging
import ServiceLifecycle
import StripeAPI

/// Applies `RETENTION` every hour: handled events older than it lose their payload (their rows, and so
/// their dedupe, stay), and rows older than both it and Stripe's reach (35 days: Stripe lists events for
/// 30 days and redelivers for 3) go. Dead and orphaned events are never pruned.
struct RetentionService: Service {
    let store: any FulfillmentStore
    let retention: Duration
    let now: @Sendable () -> Date
    let logger: Logger

    static let every: Duration = .seconds(3600)
    /// Stripe's reach: nothing older can be delivered or listed again, so its id is no longer needed.
    static let stripeReach: TimeInterval = 35 * 24 * 3600

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await prune()
                do { try await Task.sleep(for: Self.every) } catch { return }
            }
        }
    }

    private func prune() async {
        let now = self.now()
        do {
            let result = try await store.pruneEvents(
                payloadsBefore: now.addingTimeInterval(-retention.seconds),
                rowsBefore: now.addingTimeInterval(-max(retention.seconds, Self.stripeReach)))
            if result.payloadsDropped + result.rowsDeleted > 0 {
                logger.info(
                    "old events pruned", metadata: ["prune.payloads": "\(result.payloadsDropped)", "prune.rows": "\(result.rowsDeleted)"])
            }
        } catch is CancellationError {
        } catch {
            logger.error("pruning old events failed; retried in an hour", metadata: ["error": "\(error)"])
        }
    }
}
