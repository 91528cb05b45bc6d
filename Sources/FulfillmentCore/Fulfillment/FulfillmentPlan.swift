public import Foundation
public import StripeAPI

/// Everything needed to fulfil one paid purchase (a Checkout Session, an order), gathered from Stripe before any write. The store applies
/// it in one transaction: claim the ledger row, perform each line, copy the payment, queue the receipt.
public struct FulfillmentPlan: Sendable {
    public var subjectID: String
    public var kind: PurchaseKind
    public var paymentIntentID: String?
    public var customerEmail: String?
    public var customerName: String?
    public var amountTotal: Int?
    public var currency: String?
    public var shipping: ShippingDetails?
    public var lines: [PlannedLine]
    /// The purchased object (the session as Stripe returned it, the order as stored): the stored copy of the payment.
    public var objectJSON: Data
    /// Builds the receipt from what was actually done (backorders included).
    public var receipt: @Sendable (_ lines: [FulfilledLine]) -> OutboundEmail?
    /// Makes the access link for an entitlement token.
    public var accessURL: @Sendable (_ token: String) -> String
    /// The merchant's notifications of the fulfilment (`checkout.fulfilled`), from the ledger record.
    public var notifications: @Sendable (_ record: Purchase) -> [Dispatch]
    /// The actions the lines name (their planning steps run in the ledger transaction).
    public var actions: ActionRegistry
    /// The customer's language, kept on the ledger for later pages and emails.
    public var language: CustomerLanguage?
    /// The connected account it was paid on (Connect), kept on the ledger.
    public var account: String?
    public var now: Date

    public init(
        subjectID: String, kind: PurchaseKind, paymentIntentID: String?, customerEmail: String?, customerName: String?, amountTotal: Int?,
        currency: String?, shipping: ShippingDetails?, lines: [PlannedLine], objectJSON: Data,
        receipt: @escaping @Sendable ([FulfilledLine]) -> OutboundEmail?, accessURL: @escaping @Sendable (String) -> String,
        notifications: @escaping @Sendable (Purchase) -> [Dispatch] = { _ in [] }, actions: ActionRegistry = .builtIn,
        language: CustomerLanguage? = nil, account: String? = nil, now: Date
    ) {
        self.language = language
        self.account = account
        self.subjectID = subjectID
        self.kind = kind
        self.paymentIntentID = paymentIntentID
        self.customerEmail = customerEmail
        self.customerName = customerName
        self.amountTotal = amountTotal
        self.currency = currency
        self.shipping = shipping
        self.lines = lines
        self.objectJSON = objectJSON
        self.receipt = receipt
        self.accessURL = accessURL
        self.notifications = notifications
        self.actions = actions
        self.now = now
    }
}

/// One line item to perform.
public struct PlannedLine: Sendable, Hashable {
    public var lineItemID: String
    public var description: String
    /// The quantity the customer ended with (adjustable quantities).
    public var quantity: Int
    public var amountTotal: Int
    public var currency: String
    public var productID: String?
    public var action: LineItemAction

    public init(
        lineItemID: String, description: String, quantity: Int, amountTotal: Int, currency: String, productID: String?,
        action: LineItemAction
    ) {
        self.lineItemID = lineItemID
        self.description = description
        self.quantity = quantity
        self.amountTotal = amountTotal
        self.currency = currency
        self.productID = productID
        self.action = action
    }
}

/// The outcome of applying a plan.
public enum FulfillmentCommit: Sendable {
    /// This call fulfilled the purchase.
    case committed(Purchase)
    /// Someone else already had (a webhook, the landing page, a redelivery): nothing was done twice.
    case alreadyFulfilled(Purchase)
}

/// A status change without fulfillment effects (awaiting payment, payment failed, expired).
public struct PurchaseTransition: Sendable {
    public var subjectID: String
    public var kind: PurchaseKind
    public var to: PurchaseStatus
    public var customerEmail: String?
    public var customerName: String?
    public var amountTotal: Int?
    public var currency: String?
    /// An email to queue in the same transaction (for example "your payment failed").
    public var email: OutboundEmail?
    /// Dispatches to queue in the same transaction (the merchant's notification of the change).
    public var dispatches: [Dispatch]
    public var language: CustomerLanguage?
    /// The connected account (Connect), kept when the transition makes the ledger row.
    public var account: String?
    public var now: Date

    public init(
        subjectID: String, kind: PurchaseKind, to: PurchaseStatus, customerEmail: String?, customerName: String?, amountTotal: Int?,
        currency: String?, email: OutboundEmail?, dispatches: [Dispatch] = [], language: CustomerLanguage? = nil,
        account: String? = nil, now: Date
    ) {
        self.language = language
        self.account = account
        self.subjectID = subjectID
        self.kind = kind
        self.to = to
        self.customerEmail = customerEmail
        self.customerName = customerName
        self.amountTotal = amountTotal
        self.currency = currency
        self.email = email
        self.dispatches = dispatches
        self.now = now
    }
}

/// Whether a transition was applied, or refused because the ledger had moved past it.
public enum TransitionOutcome: Sendable, Hashable {
    case applied
    case refused(current: PurchaseStatus)
}
