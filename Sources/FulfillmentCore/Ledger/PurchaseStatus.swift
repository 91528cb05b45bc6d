/// Where a purchase stands in the ledger. Which of these a purchase may be in, and in what order, is its
/// kind's (`PurchaseKind.lifecycle`); whatever the kind, the ledger only moves forward: once `fulfilled`,
/// nothing (an expiry, a late failure, a duplicate) moves it again.
public enum PurchaseStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Completed with a delayed payment method: the money has not arrived yet.
    case awaitingPayment = "awaiting_payment"
    /// Every line was performed and the receipt queued, once.
    case fulfilled
    /// The delayed payment failed; the customer was told.
    case paymentFailed = "payment_failed"
    /// The purchase ended unpaid.
    case expired
}
