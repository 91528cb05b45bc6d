import StripeAPI

/// What the confirmation page tells the customer, following Stripe's guides (the Sources flow; a PaymentIntent
/// whose attempt failed or waits for the bank), in the order's language.
public struct OrderMessage: Sendable, Hashable {
    /// A stable key the page and tests can rely on.
    public var state: String
    public var title: String
    public var detail: String
    /// Whether the order will not change any more (the page stops polling).
    public var isFinal: Bool

    public init(for order: Order, texts: Texts? = nil) {
        let t = texts ?? order.texts
        switch order.status {
        case .awaitingPayment where order.canPayAgain:
            // The last attempt failed; the order stays open for another method (PaymentIntents).
            self.init(
                state: "awaiting_payment", title: t("order_retry_title"),
                detail: t("order_retry_detail", ["reason": order.failureReason ?? t("order_failed_reason")]), isFinal: false)
        case .awaitingPayment where order.paymentIntentStatus == .requiresAction:
            self.init(state: "awaiting_payment", title: t("order_awaiting_title"), detail: t("order_action_detail"), isFinal: false)
        case .awaitingPayment:
            self.init(state: "awaiting_payment", title: t("order_awaiting_title"), detail: t("order_awaiting_detail"), isFinal: false)
        case .chargePending:
            self.init(state: "charge_pending", title: t("order_awaiting_title"), detail: t("order_pending_detail"), isFinal: false)
        case .paid:
            self.init(state: "confirmed", title: t("order_paid_title"), detail: t("order_paid_detail"), isFinal: true)
        case .canceled:
            self.init(
                state: "failed", title: t("order_failed_title"),
                detail: t("order_failed_detail", ["reason": order.failureReason ?? t("order_failed_reason")]), isFinal: true)
        }
    }

    init(state: String, title: String, detail: String, isFinal: Bool) {
        self.state = state
        self.title = title
        self.detail = detail
        self.isFinal = isFinal
    }
}
