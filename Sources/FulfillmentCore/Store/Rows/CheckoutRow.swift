public import Foundation
public import StripeAPI

/// A `checkouts` row: the ledger's status of one Checkout Session. Every SQL store keeps these columns; the
/// coding keys are the column names, so a store maps rows with its driver's Codable support.
public struct CheckoutRow: Sendable, Hashable, Codable {
    public var sessionID: String
    public var status: CheckoutStatus
    public var customerEmail: String?
    public var customerName: String?
    public var amountTotal: Int?
    public var currency: String?
    /// Stored as JSON.
    public var shipping: ShippingDetails?
    public var createdAt: Date
    public var updatedAt: Date
    public var fulfilledAt: Date?
    public var language: CustomerLanguage?

    public init(
        sessionID: String, status: CheckoutStatus, customerEmail: String?, customerName: String?, amountTotal: Int?,
        currency: String?, shipping: ShippingDetails?, createdAt: Date, updatedAt: Date, fulfilledAt: Date?,
        language: CustomerLanguage? = nil
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
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case sessionID = "session_id"
        case status
        case customerEmail = "customer_email"
        case customerName = "customer_name"
        case amountTotal = "amount_total"
        case currency
        case shipping = "shipping_json"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case fulfilledAt = "fulfilled_at"
        case language
    }
}

extension CheckoutRow {
    /// The row of a ledger record (its lines live in `checkout_lines`).
    public init(_ record: CheckoutRecord) {
        self.init(
            sessionID: record.sessionID, status: record.status, customerEmail: record.customerEmail,
            customerName: record.customerName, amountTotal: record.amountTotal, currency: record.currency,
            shipping: record.shipping, createdAt: record.createdAt, updatedAt: record.updatedAt,
            fulfilledAt: record.fulfilledAt, language: record.language)
    }
}

extension CheckoutRecord {
    /// The ledger record of a row and its lines (in position order).
    public init(_ row: CheckoutRow, lines: [CheckoutLineRow]) {
        self.init(
            sessionID: row.sessionID, status: row.status, customerEmail: row.customerEmail, customerName: row.customerName,
            amountTotal: row.amountTotal, currency: row.currency, shipping: row.shipping, createdAt: row.createdAt,
            updatedAt: row.updatedAt, fulfilledAt: row.fulfilledAt,
            lines: lines.sorted { $0.position < $1.position }.map(\.line), language: row.language)
    }
}
