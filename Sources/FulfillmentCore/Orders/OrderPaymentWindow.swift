public import Foundation
import Logging
import StripeAPI

/// `ORDER_PAYMENT_WINDOW`: a PaymentIntent order that has not succeeded within the window is canceled. Its
/// PaymentIntent is canceled at Stripe (`abandoned`, once: the order id keys the request) and the canceled
/// intent applied like its webhook would be: the order canceled, stock untouched, the customer emailed. An
/// intent that is processing (a debit on its way) cannot be canceled and is left to settle; one that
/// succeeded meanwhile is applied instead (the order is paid).
public struct OrderPaymentWindow: Sendable {
    let payments: OrderPayments
    public let window: Duration

    public init(payments: OrderPayments, window: Duration) {
        self.payments = payments
        self.window = window
    }

    /// Cancels up to `limit` overdue orders; how many were canceled.
    @discardableResult
    public func cancelOverdue(limit: Int = 100) async throws -> Int {
        let now = payments.now()
        let overdue = try await payments.store.ordersAwaitingPayment(
            flow: .paymentIntents, createdBefore: now.addingTimeInterval(-window.seconds), limit: limit)
        var canceled = 0
        for order in overdue {
            guard let intentID = order.paymentIntentID else { continue }
            // The intent lives on the order's account (Connect).
            let payments = payments.onAccount(order.account)
            do {
                var intent = try await payments.stripe.retrievePaymentIntent(intentID)
                if intent.status.isCancelable {
                    intent = try await payments.stripe.cancelPaymentIntent(intentID, reason: "abandoned", idempotencyKey: "order-expire-\(order.id)")
                }
                let decision = try await payments.apply(intent, to: order)
                if decision.order.status == .canceled { canceled += 1 }
                payments.logger.info(
                    "order payment window closed",
                    metadata: ["order.id": "\(order.id)", "stripe.payment_intent.id": "\(intentID)", "order.note": "\(decision.note)"])
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                payments.logger.warning(
                    "closing an order's payment window failed; retried on the next sweep", metadata: ["order.id": "\(order.id)", "error": "\(error)"])
            }
        }
        return canceled
    }
}
