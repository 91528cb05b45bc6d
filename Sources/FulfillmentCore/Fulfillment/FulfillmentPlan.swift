public import Foundation
public import StripeAPI

/// Everything needed to fulfil one paid session, gathered from Stripe before any write. The store applies
/// it in one transaction: claim the ledger row, perform each line, copy the payment, queue the receipt.
public struct FulfillmentPlan: Sendable {
    public var sessionID: String
    public var paymentIntentID: String?
    public var customerEmail: String?
    public var customerName: String?
    public var amountTotal: Int?
    public var currency: String?
    public var shipping: ShippingDetails?
    public var lines: [PlannedLine]
    /// The session as Stripe returned it (the stored copy of the payment).
    public var sessionJSON: Data
    /// Builds the receipt from what was actually done (backorders included).
    public var receipt: @Sendable (_ lines: [FulfilledLine]) -> OutboundEmail?
    /// Makes the access link for an entitlement token.
    public var accessURL: @Sendable (_ token: String) -> String
    /// The merchant's notifications of the fulfilment (`checkout.fulfilled`), from the ledger record.
    public var notifications: @Sendable (_ record: CheckoutRecord) -> [Dispatch]
    /// The actions the lines name (their planning steps run in the ledger transaction).
    public var actions: ActionRegistry
    /// The customer's language, kept on the ledger for later pages and emails.
    public var language: CustomerLanguage?
    public var now: Date

    public init(
        sessionID: String, paymentIntentID: String?, customerEmail: String?, customerName: String?, amountTotal: Int?,
        currency: String?, shipping: ShippingDetails?, lines: [PlannedLine], sessionJSON: Data,
        receipt: @escaping @Sendable ([FulfilledLine]) -> OutboundEmail?, accessURL: @escaping @Sendable (String) -> String,
        notifications: @escaping @Sendable (CheckoutRecord) -> [Dispatch] = { _ in [] }, actions: ActionRegistry = .builtIn,
        language: CustomerLanguage? = nil, now: Date
    ) {
        self.language = language
        self.sessionID = sessionID
        self.paymentIntentID = paymentIntentID
        self.customerEmail = customerEmail
        self.customerName = customerName
        self.amountTotal = amountTotal
        self.currency = currency
        self.shipping = shipping
        self.lines = lines
        self.sessionJSON = sessionJSON
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
    /// This call fulfilled the session.
    case committed(CheckoutRecord)
    /// Someone else already had (a webhook, the landing page, a redelivery): nothing was done twice.
    case alreadyFulfilled(CheckoutRecord)
}

/// A status change without fulfillment effects (awaiting payment, payment failed, expired).
public struct CheckoutTransition: Sendable {
    public var sessionID: String
    public var to: CheckoutStatus
    public var customerEmail: String?
    public var customerName: String?
    public var amountTotal: Int?
    public var currency: String?
    /// An email to queue in the same transaction (for example "your payment failed").
    public var email: OutboundEmail?
    /// Dispatches to queue in the same transaction (the merchant's notification of the change).
    public var dispatches: [Dispatch]
    public var language: CustomerLanguage?
    public var now: Date

    public init(
        sessionID: String, to: CheckoutStatus, customerEmail: String?, customerName: String?, amountTotal: Int?,
        currency: String?, email: OutboundEmail?, dispatches: [Dispatch] = [], language: CustomerLanguage? = nil, now: Date
    ) {
        self.language = language
        self.sessionID = sessionID
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
    case refused(current: CheckoutStatus)
}
