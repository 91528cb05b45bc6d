/// What the confirmation page tells the customer, following Stripe's guide for the Sources flow.
public struct OrderMessage: Sendable, Hashable {
    /// A stable key the page and tests can rely on.
    public var state: String
    public var title: String
    public var detail: String
    /// Whether the order will not change any more (the page stops polling).
    public var isFinal: Bool

    public init(for order: Order) {
        switch order.status {
        case .awaitingPayment:
            self.init(
                state: "awaiting_payment", title: "Order received",
                detail: "We are awaiting confirmation of your payment.", isFinal: false)
        case .chargePending:
            self.init(
                state: "charge_pending", title: "Order received",
                detail: "Your payment is on its way; we will confirm your order as soon as it arrives.", isFinal: false)
        case .paid:
            self.init(
                state: "confirmed", title: "Payment confirmed",
                detail: "Your order is complete. A confirmation is on its way to your inbox.", isFinal: true)
        case .canceled:
            self.init(
                state: "failed", title: "Payment failed",
                detail: "Your order was not processed: \(order.failureReason ?? "the payment did not go through").",
                isFinal: true)
        }
    }

    init(state: String, title: String, detail: String, isFinal: Bool) {
        self.state = state
        self.title = title
        self.detail = detail
        self.isFinal = isFinal
    }
}
