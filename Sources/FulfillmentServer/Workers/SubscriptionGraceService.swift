import Foundation
import FulfillmentCore
import Logging
import ServiceLifecycle

/// Every `every`, suspends past-due subscriptions whose grace ran out (`SubscriptionKeeper.sweep`: Stripe sends
/// no event when a grace of ours ends). Every instance may sweep: each subscription is synced from Stripe and
/// stored with a compare-and-set, so two sweeps suspend it once.
struct SubscriptionGraceService: Service {
    let keeper: SubscriptionKeeper
    let every: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await keeper.sweep()
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("the subscriptions' grace sweep failed; retried later", metadata: ["error": "\(error)"])
                }
                do { try await Task.sleep(for: every) } catch { return }
            }
        }
    }
}
