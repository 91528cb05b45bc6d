public import Foundation

/// What happened to a purchase's payment after it was made (refunds, disputes), and what that undid.
public protocol AfterPaymentLedger: Sendable {
    /// The purchase's after-payment record (a Checkout Session's or an order's), if anything happened to its
    /// payment after it was made.
    func afterPayment(subjectID: String) async throws -> AfterPaymentRecord?

    /// Applies what Stripe says about the payment now, in one transaction: reads the record, decides with
    /// `Ledger.afterPayment`, writes the next state, gives served stock back once, and queues the change's
    /// email and notifications. Duplicate and stale facts change nothing.
    func applyAfterPayment(_ change: AfterPaymentChange) async throws -> AfterPaymentDecision
}
