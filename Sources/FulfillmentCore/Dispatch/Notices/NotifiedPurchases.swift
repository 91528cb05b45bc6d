import Foundation
public import StripeAPI

/// A Checkout Session in a notification (`object: "checkout_session"`): its status, customer, amounts,
/// shipping and, once fulfilled, each line and what was done for it. `fulfilled_at` only once fulfilled,
/// `after_payment` only in refund and dispute notifications.
public struct NotifiedSession: Codable, Sendable, Hashable {
    public var object = "checkout_session"
    public var id: String
    public var status: String?
    public var customer: NotifiedCustomer?
    @Nullable public var amountTotal: Int?
    @Nullable public var currency: String?
    @Nullable public var shipping: ShippingDetails?
    public var lines: [NotifiedLine]?
    public var fulfilledAt: Int?
    public var afterPayment: NotifiedAfterPayment?
    /// The connected account (Connect) it was paid on; absent for the platform's own (added with Connect).
    public var account: String?
    /// The Payment Link, recovery, custom fields and consent, when the session has any (added with them).
    public var details: NotifiedCheckoutDetails?
    /// In `checkout.recovered`: the session that recovered this expired one.
    public var recoveredBy: String?

    enum CodingKeys: String, CodingKey {
        case object, id, status, customer, currency, shipping, lines, account
        case recoveredBy = "recovered_by"
        case amountTotal = "amount_total"
        case fulfilledAt = "fulfilled_at"
        case afterPayment = "after_payment"
    }

    /// A session the ledger does not know yet (a refund that came before the completion was handled): its id.
    init(unknown id: String) {
        self.id = id
    }

    init(_ row: PurchaseRow, lines: [FulfilledLine]) {
        id = row.subjectID
        status = row.status.rawValue
        customer = NotifiedCustomer(email: row.customerEmail, name: row.customerName)
        amountTotal = row.amountTotal
        currency = row.currency
        shipping = row.shipping
        self.lines = lines.map(NotifiedLine.init)
        fulfilledAt = row.fulfilledAt.map { Int($0.timeIntervalSince1970) }
        account = row.account
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(object, forKey: .object)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(afterPayment, forKey: .afterPayment)
        try container.encodeIfPresent(recoveredBy, forKey: .recoveredBy)
        // A session known only by its id carries nothing else.
        guard let status else { return }
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(customer, forKey: .customer)
        try container.encode(_amountTotal, forKey: .amountTotal)
        try container.encode(_currency, forKey: .currency)
        try container.encode(_shipping, forKey: .shipping)
        try container.encode(lines ?? [], forKey: .lines)
        try container.encodeIfPresent(fulfilledAt, forKey: .fulfilledAt)
        try container.encodeIfPresent(account, forKey: .account)
        try details?.encode(to: encoder)
    }
}

/// One line of a purchase in a notification: what it was, its action and what the action did. The
/// outcome's own fields (`access_url`, `shipment`, `served`, `effect`) only where that outcome has them.
public struct NotifiedLine: Codable, Sendable, Hashable {
    public var lineItem: String
    public var description: String
    public var quantity: Int
    public var amountTotal: Int
    public var currency: String
    @Nullable public var product: String?
    public var action: String
    public var sku: String?
    public var outcome: String
    public var backordered: Int
    public var accessURL: String?
    public var shipment: String?
    public var served: Int?
    public var effect: String?

    enum CodingKeys: String, CodingKey {
        case description, quantity, currency, product, action, sku, outcome, backordered, shipment, served, effect
        case lineItem = "line_item"
        case amountTotal = "amount_total"
        case accessURL = "access_url"
    }

    init(_ line: FulfilledLine) {
        lineItem = line.lineItemID
        description = line.description
        quantity = line.quantity
        amountTotal = line.amountTotal
        currency = line.currency
        product = line.productID
        action = line.action.name
        sku = line.action.sku
        outcome = line.outcome.kind.rawValue
        backordered = line.outcome.backordered
        switch line.outcome {
        case .accessGranted(let url): accessURL = url
        case .shipped(let shipmentID, let quantity, _):
            shipment = shipmentID
            served = quantity
        case .stockTaken(let quantity, _): served = quantity
        case .queued(let effectID): effect = effectID
        case .recorded: break
        }
    }
}

/// An order in a notification (`object: "order"`): its status, amount, customer, items, payment method, source
/// and charge; `lines` (what each item's action did) in `order.paid`, `after_payment` in refund and dispute
/// notifications.
public struct NotifiedOrder: Codable, Sendable, Hashable {
    public var object = "order"
    public var id: String
    public var status: String
    public var amount: Int
    public var currency: String
    public var customer: NotifiedCustomer
    public var items: [Item]
    public var paymentMethod: String
    /// The order's source; for an order paid through a PaymentIntent, that PaymentIntent (the field is a
    /// contract: it stays a string).
    public var source: String
    /// `sources` or `payment_intents` (added with PaymentIntent orders).
    public var paymentFlow: String?
    /// The order's PaymentIntent, when it is paid through one.
    public var paymentIntent: String?
    @Nullable public var charge: String?
    @Nullable public var failureReason: String?
    public var lines: [NotifiedLine]?
    public var afterPayment: NotifiedAfterPayment?
    /// The connected account (Connect) the order is paid on; absent for the platform's own.
    public var account: String?

    public struct Item: Codable, Sendable, Hashable {
        public var name: String
        public var quantity: Int
        public var unitAmount: Int

        enum CodingKeys: String, CodingKey {
            case name, quantity
            case unitAmount = "unit_amount"
        }
    }

    enum CodingKeys: String, CodingKey {
        case object, id, status, amount, currency, customer, items, source, charge, lines
        case paymentMethod = "payment_method"
        case failureReason = "failure_reason"
        case afterPayment = "after_payment"
        case paymentFlow = "payment_flow"
        case paymentIntent = "payment_intent"
        case account
    }

    init(_ order: Order) {
        id = order.id
        status = order.status.rawValue
        amount = order.amount
        currency = order.currency
        customer = NotifiedCustomer(email: order.customerEmail, name: order.customerName)
        items = order.items.map { Item(name: $0.name, quantity: $0.quantity, unitAmount: $0.unitAmount) }
        paymentMethod = order.paymentMethod.rawValue
        source = order.sourceID ?? order.paymentIntentID ?? ""
        paymentFlow = order.paymentFlow.rawValue
        paymentIntent = order.paymentIntentID
        charge = order.chargeID
        failureReason = order.failureReason
        account = order.account
    }
}

/// A session's details in a notification, beside its other fields: `payment_link`, `recovered_from`,
/// `recovery_url` (an expired session that may still come back), `custom_fields` and `consent`, each only
/// when the session has it.
public struct NotifiedCheckoutDetails: Codable, Sendable, Hashable {
    public var paymentLink: String?
    public var recoveredFrom: String?
    public var recoveryURL: String?
    public var customFields: [Field]?
    public var consent: Consent?

    public struct Field: Codable, Sendable, Hashable {
        public var key: String
        public var label: String?
        public var type: String
        @Nullable public var value: String?
    }

    public struct Consent: Codable, Sendable, Hashable {
        public var termsOfService: String?
        public var promotions: String?

        enum CodingKeys: String, CodingKey {
            case termsOfService = "terms_of_service"
            case promotions
        }
    }

    enum CodingKeys: String, CodingKey {
        case paymentLink = "payment_link"
        case recoveredFrom = "recovered_from"
        case recoveryURL = "recovery_url"
        case customFields = "custom_fields"
        case consent
    }

    init(_ details: CheckoutDetails) {
        paymentLink = details.paymentLink
        recoveredFrom = details.recoveredFrom
        recoveryURL = details.recoveryURL
        customFields = details.customFields.isEmpty ? nil : details.customFields.map { Field(key: $0.key, label: $0.label, type: $0.type, value: $0.value) }
        consent = details.consent.map { Consent(termsOfService: $0.termsOfService, promotions: $0.promotions) }
    }
}
