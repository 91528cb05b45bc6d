public import Foundation
public import StripeAPI

/// What the ledger knows of one purchase (a Checkout Session, an order): its status and, once fulfilled,
/// every line and what was done for it. One row per purchase, keyed by its subject id.
public struct Purchase: Sendable, Hashable {
    /// The id of what was bought through: the Checkout Session's (`cs_...`) or the order's (`ord_...`).
    public var subjectID: String
    public var kind: PurchaseKind
    public var status: PurchaseStatus
    public var customerEmail: String?
    public var customerName: String?
    public var amountTotal: Int?
    public var currency: String?
    public var shipping: ShippingDetails?
    public var createdAt: Date
    public var updatedAt: Date
    public var fulfilledAt: Date?
    public var lines: [FulfilledLine]
    /// The customer's language, from the session's `locale` (or the order's); `nil`: not known.
    public var language: CustomerLanguage?
    /// The connected account it was paid on (Connect): every later Stripe request about it goes there. Nil:
    /// the platform's own account.
    public var account: String?

    public init(
        subjectID: String, kind: PurchaseKind, status: PurchaseStatus, customerEmail: String?, customerName: String?, amountTotal: Int?,
        currency: String?, shipping: ShippingDetails?, createdAt: Date, updatedAt: Date, fulfilledAt: Date?,
        lines: [FulfilledLine], language: CustomerLanguage? = nil, account: String? = nil
    ) {
        self.language = language
        self.account = account
        self.subjectID = subjectID
        self.kind = kind
        self.status = status
        self.customerEmail = customerEmail
        self.customerName = customerName
        self.amountTotal = amountTotal
        self.currency = currency
        self.shipping = shipping
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.fulfilledAt = fulfilledAt
        self.lines = lines
    }
}

/// One line of a fulfilled purchase and what was performed for it.
public struct FulfilledLine: Sendable, Hashable {
    public var lineItemID: String
    public var description: String
    public var quantity: Int
    public var amountTotal: Int
    public var currency: String
    public var productID: String?
    public var action: LineItemAction
    public var outcome: LineOutcome
    public var performedAt: Date

    public init(
        lineItemID: String, description: String, quantity: Int, amountTotal: Int, currency: String, productID: String?,
        action: LineItemAction, outcome: LineOutcome, performedAt: Date
    ) {
        self.lineItemID = lineItemID
        self.description = description
        self.quantity = quantity
        self.amountTotal = amountTotal
        self.currency = currency
        self.productID = productID
        self.action = action
        self.outcome = outcome
        self.performedAt = performedAt
    }
}
