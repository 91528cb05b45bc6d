public import Foundation

/// The ledger of purchases: one row per purchase (a Checkout Session, an order), keyed by its subject id and
/// held to its kind's statuses, its lines and what was done for each, and the stored copy of its payment.
public protocol PurchaseLedger: Sendable {
    /// The ledger's record of a purchase (a Checkout Session's or an order's), with its lines.
    func purchase(subjectID: String) async throws -> Purchase?

    /// The stored copy of what paid for the purchase (the session as Stripe returned it, the order as stored),
    /// kept with its fulfilment.
    func purchasePayment(subjectID: String) async throws -> PurchasePaymentRow?

    /// The purchase paid by this PaymentIntent, once fulfilled (from the stored payment).
    func purchaseSubjectID(paymentIntent: String) async throws -> String?

    /// Claims the purchase's ledger row (compare-and-set from any status its kind lets `fulfilled` follow)
    /// and, in the same transaction, performs every line, stores the payment copy and queues the receipt.
    func commitFulfillment(_ plan: FulfillmentPlan) async throws -> FulfillmentCommit

    /// Moves the purchase's status as its kind allows (compare-and-set), queueing `transition.email` in the
    /// same transaction.
    func transitionPurchase(_ transition: PurchaseTransition) async throws -> TransitionOutcome

    /// The purchase and line an access token was granted for (the access page).
    func entitlement(token: String) async throws -> Entitlement?

    /// The connected accounts (Connect) any purchase or order was paid on, sorted: where the reconciler
    /// looks beside the platform.
    func connectedAccounts() async throws -> [String]
}

/// Digital access granted by a fulfillment.
public struct Entitlement: Sendable, Hashable {
    public var token: String
    /// The purchase it was granted by (a Checkout Session's or an order's id).
    public var subjectID: String
    public var description: String
    public var customerEmail: String?

    public init(token: String, subjectID: String, description: String, customerEmail: String?) {
        self.token = token
        self.subjectID = subjectID
        self.description = description
        self.customerEmail = customerEmail
    }
}
