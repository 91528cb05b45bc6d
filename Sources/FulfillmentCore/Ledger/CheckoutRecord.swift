public import Foundation
public import StripeAPI

/// What the ledger knows of one Checkout Session: its status and, once fulfilled, every line and what was
/// done for it.
public struct CheckoutRecord: Sendable, Hashable {
    public var sessionID: String
    public var status: CheckoutStatus
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

    public init(
        sessionID: String, status: CheckoutStatus, customerEmail: String?, customerName: String?, amountTotal: Int?,
        currency: String?, shipping: ShippingDetails?, createdAt: Date, updatedAt: Date, fulfilledAt: Date?,
        lines: [FulfilledLine], language: CustomerLanguage? = nil
    ) {
        self.language = language
        self.sessionID = sessionID
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

/// One line item of a fulfilled session and what was performed for it.
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
