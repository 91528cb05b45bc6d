import Foundation
import FulfillmentCore
import StripeAPI

/// `GET /api/checkout/sessions/{id}`: where a Checkout Session stands. A session the ledger knows has every
/// field (`null` where there is nothing, or where the caller is not the buyer's browser: then
/// `details_withheld` is true); one it does not know yet has its id, its status (`pending`, `open`,
/// `expired`) and no lines. The contract is `openapi/fulfillment.yaml` (`CheckoutStatus`).
struct CheckoutStatusAnswer: Encodable, Sendable {
    var sessionID: String
    var status: String
    /// Absent only for a session completed with a delayed payment the ledger has no record of yet.
    var lineItems: [Line]?
    /// The ledger's record, when there is one.
    var record: Record?
    /// For a `mode=subscription` session: the subscription it started, whose purchase the answer describes.
    var subscription: String?

    struct Record: Encodable, Sendable {
        @Nullable var customerEmail: String?
        @Nullable var amountTotal: Int?
        @Nullable var currency: String?
        @Nullable var fulfilledAt: Int?
        @Nullable var shipping: Shipping?
        var detailsWithheld: Bool
        var refundedAmount: Int
        var refundStatus: String
        var disputeStatus: String
        var access: String

        enum CodingKeys: String, CodingKey {
            case currency, shipping, access
            case customerEmail = "customer_email"
            case amountTotal = "amount_total"
            case fulfilledAt = "fulfilled_at"
            case detailsWithheld = "details_withheld"
            case refundedAmount = "refunded_amount"
            case refundStatus = "refund_status"
            case disputeStatus = "dispute_status"
        }
    }

    struct Shipping: Codable, Sendable, Hashable {
        @Nullable var name: String?
        @Nullable var line1: String?
        @Nullable var city: String?
        @Nullable var postalCode: String?
        @Nullable var country: String?

        enum CodingKeys: String, CodingKey {
            case name, line1, city, country
            case postalCode = "postal_code"
        }
    }

    /// A line and what was done for it; the outcome's own fields only where it has them.
    struct Line: Encodable, Sendable {
        var id: String
        var description: String
        var quantity: Int
        var amountTotal: Int
        var currency: String
        var product: String?
        var action: String
        var sku: String?
        var performedAt: Int
        var backordered: Int
        var outcome: String
        /// For `access_granted`: the link (`null` when withheld) and whether it holds.
        var access: (url: String?, state: String)?
        /// For `shipped`.
        var shipment: (id: String, shipped: Int)?
        /// For `stock_taken`.
        var reserved: Int?
        /// For `queued`.
        var effectID: String?

        enum CodingKeys: String, CodingKey {
            case id, description, quantity, currency, product, action, sku, backordered, outcome, access, shipped, reserved
            case amountTotal = "amount_total"
            case performedAt = "performed_at"
            case accessURL = "access_url"
            case shipmentID = "shipment_id"
            case effectID = "effect_id"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(description, forKey: .description)
            try container.encode(quantity, forKey: .quantity)
            try container.encode(amountTotal, forKey: .amountTotal)
            try container.encode(currency, forKey: .currency)
            try container.encode(product, forKey: .product)
            try container.encode(action, forKey: .action)
            try container.encode(sku, forKey: .sku)
            try container.encode(performedAt, forKey: .performedAt)
            try container.encode(backordered, forKey: .backordered)
            try container.encode(outcome, forKey: .outcome)
            if let access {
                try container.encode(access.url, forKey: .accessURL)
                try container.encode(access.state, forKey: .access)
            }
            if let shipment {
                try container.encode(shipment.id, forKey: .shipmentID)
                try container.encode(shipment.shipped, forKey: .shipped)
            }
            try container.encodeIfPresent(reserved, forKey: .reserved)
            try container.encodeIfPresent(effectID, forKey: .effectID)
        }
    }

    enum CodingKeys: String, CodingKey {
        case status
        case sessionID = "session_id"
        case lineItems = "line_items"
        case subscription
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sessionID, forKey: .sessionID)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(lineItems, forKey: .lineItems)
        try container.encodeIfPresent(subscription, forKey: .subscription)
        try record?.encode(to: encoder)
    }
}

extension CheckoutStatusAnswer {
    /// The answer for a session the ledger knows. Without `personal` (a caller who is not the buyer's browser),
    /// the email, the shipping address and the access links are `null` and `details_withheld` says so.
    /// Refunds, disputes and whether access holds come from `after`.
    init(_ purchase: Purchase, personal: Bool, after: AfterPaymentRecord?) {
        let summary = AfterPaymentSummary(after)
        sessionID = purchase.subjectID
        status = purchase.status.rawValue
        lineItems = purchase.lines.map { line in
            var answer = Line(
                id: line.lineItemID, description: line.description, quantity: line.quantity, amountTotal: line.amountTotal,
                currency: line.currency, product: line.productID, action: line.action.name, sku: line.action.sku,
                performedAt: Int(line.performedAt.timeIntervalSince1970), backordered: line.outcome.backordered,
                outcome: line.outcome.kind.rawValue)
            switch line.outcome {
            case .accessGranted(let url): answer.access = (personal ? url : nil, summary.access)
            case .shipped(let id, let quantity, _): answer.shipment = (id, quantity)
            case .stockTaken(let quantity, _): answer.reserved = quantity
            case .queued(let effectID): answer.effectID = effectID
            case .recorded: break
            }
            return answer
        }
        let shipping = personal ? purchase.shipping : nil
        record = Record(
            customerEmail: personal ? purchase.customerEmail : nil, amountTotal: purchase.amountTotal, currency: purchase.currency,
            fulfilledAt: purchase.fulfilledAt.map { Int($0.timeIntervalSince1970) },
            shipping: shipping.map {
                Shipping(
                    name: $0.name, line1: $0.address?.line1, city: $0.address?.city, postalCode: $0.address?.postalCode,
                    country: $0.address?.country)
            },
            detailsWithheld: !personal, refundedAmount: summary.refundedAmount, refundStatus: summary.refundStatus,
            disputeStatus: summary.disputeStatus, access: summary.access)
    }

    /// A session the ledger does not know: its id and status, no lines.
    init(unknown id: String, status: String) {
        self.init(sessionID: id, status: status, lineItems: [], record: nil)
    }
}
