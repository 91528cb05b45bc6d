public import Foundation
public import StripeAPI

/// A `purchases` row: the ledger's status of one purchase. Every SQL store keeps these columns; the
/// coding keys are the column names, so a store maps rows with its driver's Codable support.
public struct PurchaseRow: Sendable, Hashable, Codable {
    public var subjectID: String
    public var kind: PurchaseKind
    public var status: PurchaseStatus
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
    /// The connected account it was paid on (Connect); nil: the platform's own.
    public var account: String?

    public init(
        subjectID: String, kind: PurchaseKind, status: PurchaseStatus, customerEmail: String?, customerName: String?, amountTotal: Int?,
        currency: String?, shipping: ShippingDetails?, createdAt: Date, updatedAt: Date, fulfilledAt: Date?,
        language: CustomerLanguage? = nil, account: String? = nil
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
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case subjectID = "subject_id"
        case kind
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
        case account
    }
}

extension PurchaseRow {
    /// The row of a ledger record (its lines live in `purchase_lines`).
    public init(_ record: Purchase) {
        self.init(
            subjectID: record.subjectID, kind: record.kind, status: record.status, customerEmail: record.customerEmail,
            customerName: record.customerName, amountTotal: record.amountTotal, currency: record.currency,
            shipping: record.shipping, createdAt: record.createdAt, updatedAt: record.updatedAt,
            fulfilledAt: record.fulfilledAt, language: record.language, account: record.account)
    }
}

extension Purchase {
    /// The ledger record of a row and its lines (in position order).
    public init(_ row: PurchaseRow, lines: [PurchaseLineRow]) {
        self.init(
            subjectID: row.subjectID, kind: row.kind, status: row.status, customerEmail: row.customerEmail, customerName: row.customerName,
            amountTotal: row.amountTotal, currency: row.currency, shipping: row.shipping, createdAt: row.createdAt,
            updatedAt: row.updatedAt, fulfilledAt: row.fulfilledAt,
            lines: lines.sorted { $0.position < $1.position }.map(\.line), language: row.language, account: row.account)
    }
}
