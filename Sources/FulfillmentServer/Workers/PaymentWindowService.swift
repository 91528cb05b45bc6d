import Foundation
import FulfillmentCore
import Logging
import ServiceLifecycle

/// Sweeps for PaymentIntent orders past `ORDER_PAYMENT_WINDOW` every `every` and cancels them
/// (`OrderPaymentWindow`). Every instance may sweep: each cancel is keyed at Stripe and each order change a
/// compare-and-set, so two sweeps cancel an order once.
struct PaymentWindowService: Service {
    let window: OrderPaymentWindow
    let every: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await window.cancelOverdue()
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("the payment window's sweep failed; retried later", metadata: ["error": "\(error)"])
                }
                do { try await Task.sleep(for: every) } catch { return }
            }
        }
    }
}
