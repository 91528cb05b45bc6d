import Foundation
import Logging
import ServiceLifecycle

/// Runs a sweep every `every` until the service stops: the payment window's (PaymentIntent orders past
/// `ORDER_PAYMENT_WINDOW` are canceled, `OrderPaymentWindow`) and the subscriptions' grace (past-due ones past
/// `SUBSCRIPTION_GRACE` are suspended, `SubscriptionKeeper.sweep`). Every instance may sweep: each change it
/// makes is keyed at Stripe or a compare-and-set in the store, so two sweeps make it once. A failed round is
/// logged and the next one tries again.
struct SweepService: Service {
    /// What the log calls it ("the payment window's sweep").
    let name: String
    let every: Duration
    let sweep: @Sendable () async throws -> Void
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await sweep()
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("\(name) failed; retried later", metadata: ["error": "\(error)"])
                }
                do { try await Task.sleep(for: every) } catch { return }
            }
        }
    }
}
