/// Where a Checkout Session stands in our ledger. The ledger only moves forward: once `fulfilled`, nothing
/// (an expiry, a late failure, a duplicate) moves it again.
public enum CheckoutStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Completed with a delayed payment method: the money has not arrived yet.
    case awaitingPayment = "awaiting_payment"
    /// Every line item was performed and the receipt queued, once.
    case fulfilled
    /// The delayed payment failed; the customer was told.
    case paymentFailed = "payment_failed"
    /// The session ended unpaid.
    case expired

    /// The statuses (and `nil`, no row yet) a session may move from into `self`.
    public var allowedPredecessors: Set<CheckoutStatus?> {
        switch self {
        case .awaitingPayment: [nil]
        // A paid session is fulfilled whatever we recorded before: Stripe's re-fetched state is the truth.
        case .fulfilled: [nil, .awaitingPayment, .paymentFailed, .expired]
        case .paymentFailed: [nil, .awaitingPayment]
        case .expired: [nil]
        }
    }

    /// Whether moving from `current` to `self` is allowed (the compare in compare-and-set).
    public func canFollow(_ current: CheckoutStatus?) -> Bool {
        allowedPredecessors.contains(current)
    }
}
