import Foundation
import FulfillmentCore
import StripeAPI

/// An order as `POST /api/orders` (201, with `next_url`, where to send the customer) and
/// `GET /api/orders/{id}` (with what happened to its payment since) answer it: its status, the state and
/// message its confirmation page shows, amounts, items, source and charge. The contract is
/// `openapi/fulfillment.yaml` (`OrderStatus`).
struct OrderStatusAnswer: Codable, Sendable, Hashable {
    var id: String
    var status: String
    var state: String
    var title: String
    var message: String
    var final: Bool
    var amount: Int
    var currency: String
    var total: String
    @Nullable var language: String?
    var paymentMethod: String
    /// The source's status; for an order paid through a PaymentIntent, the PaymentIntent's (a string, as ever).
    var sourceStatus: String
    /// `sources` or `payment_intents`.
    var paymentFlow: String
    /// The order's PaymentIntent and its status (PaymentIntent orders; null for the Sources flow).
    @Nullable var paymentIntent: String?
    @Nullable var paymentIntentStatus: String?
    /// Whether the customer may pay again on this order (`POST /api/orders/{id}/payment`): its last attempt failed.
    var canPayAgain: Bool
    @Nullable var chargeStatus: String?
    @Nullable var failureReason: String?
    var retryURL: String
    var items: [Item]
    var created: Int
    var updated: Int
    @Nullable var paidAt: Int?
    /// In the answer to `POST /api/orders` only.
    var nextURL: String?
    /// In `GET /api/orders/{id}` only: what happened to the payment since (`AfterPaymentSummary`).
    var refundedAmount: Int?
    var refundStatus: String?
    var disputeStatus: String?
    var access: String?

    struct Item: Codable, Sendable, Hashable {
        var name: String
        var quantity: Int
        var unitAmount: Int

        enum CodingKeys: String, CodingKey {
            case name, quantity
            case unitAmount = "unit_amount"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, status, state, title, message, final, amount, currency, total, language, items, created, updated
        case paymentMethod = "payment_method"
        case sourceStatus = "source_status"
        case paymentFlow = "payment_flow"
        case paymentIntent = "payment_intent"
        case paymentIntentStatus = "payment_intent_status"
        case canPayAgain = "can_pay_again"
        case chargeStatus = "charge_status"
        case failureReason = "failure_reason"
        case retryURL = "retry_url"
        case paidAt = "paid_at"
        case nextURL = "next_url"
        case refundedAmount = "refunded_amount"
        case refundStatus = "refund_status"
        case disputeStatus = "dispute_status"
        case access
    }

    init(_ order: Order, nextURL: String? = nil, after: AfterPaymentSummary? = nil) {
        let message = OrderMessage(for: order)
        id = order.id
        status = order.status.rawValue
        state = message.state
        title = message.title
        self.message = message.detail
        final = message.isFinal
        amount = order.amount
        currency = order.currency
        total = order.texts.money(order.amount, order.currency)
        language = order.language?.rawValue
        paymentMethod = order.paymentMethod.rawValue
        sourceStatus = order.sourceStatus?.rawValue ?? order.paymentIntentStatus?.rawValue ?? "requires_payment_method"
        paymentFlow = order.paymentFlow.rawValue
        paymentIntent = order.paymentIntentID
        paymentIntentStatus = order.paymentIntentStatus?.rawValue
        canPayAgain = order.canPayAgain
        chargeStatus = order.chargeStatus?.rawValue
        failureReason = order.failureReason
        retryURL = order.retryURL
        items = order.items.map { Item(name: $0.name, quantity: $0.quantity, unitAmount: $0.unitAmount) }
        created = Int(order.createdAt.timeIntervalSince1970)
        updated = Int(order.updatedAt.timeIntervalSince1970)
        paidAt = order.paidAt.map { Int($0.timeIntervalSince1970) }
        self.nextURL = nextURL
        refundedAmount = after?.refundedAmount
        refundStatus = after?.refundStatus
        disputeStatus = after?.disputeStatus
        access = after?.access
    }
}
