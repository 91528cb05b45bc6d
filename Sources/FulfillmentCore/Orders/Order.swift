public import Foundation
public import StripeAPI

/// An order: our own id, how it is paid (`paymentFlow`: a source the customer authorises, then one charge; or
/// one PaymentIntent, tried as often as it takes), and at most one successful charge. `version` grows with every change: the store applies a change only to the version it was
/// decided on (compare-and-set), so concurrent handlers never overwrite each other.
public struct Order: Sendable, Hashable, Codable {
    public var id: String
    public var version: Int
    public var status: OrderStatus
    public var amount: Int
    public var currency: String
    public var customerEmail: String
    public var customerName: String?
    public var items: [OrderItem]
    /// The source type (`ideal`, `sofort`, `bancontact`, `sepa_debit`, `card`).
    public var paymentMethod: OrderPaymentMethod
    /// `single_use` or `reusable` (a reusable source is attached to a customer before it is charged; a
    /// PaymentIntent saves its method on the customer for later payments).
    public var usage: SourceUsage
    /// The Sources flow or a PaymentIntent (older orders, stored before the column, are the Sources flow's).
    public var paymentFlow: OrderPaymentFlow
    /// The order's source (the Sources flow only).
    public var sourceID: String?
    /// The source's last known status.
    public var sourceStatus: SourceStatus?
    /// The order's PaymentIntent (the PaymentIntent flow only).
    public var paymentIntentID: String?
    /// The PaymentIntent's last known status.
    public var paymentIntentStatus: PaymentIntentStatus?
    /// The last failed attempt already told to the customer (its charge id): one email per failed attempt.
    public var failedAttempt: String?
    /// Where the customer authorises the payment (redirect sources, a PaymentIntent's `next_action`).
    public var redirectURL: String?
    public var customerID: String?
    public var chargeID: String?
    /// The charge's last known status.
    public var chargeStatus: ChargeStatus?
    public var failureReason: String?
    /// Where a customer whose payment failed can start again.
    public var retryURL: String
    public var createdAt: Date
    public var updatedAt: Date
    public var paidAt: Date?
    public var canceledAt: Date?
    /// The customer's language (the request's `locale`, the browser's, or the service's default).
    public var language: CustomerLanguage?
    /// The connected account (Connect) the order is paid on: its PaymentIntent or source and charge live
    /// there, and every request about them goes there. Nil: the platform's own account.
    public var account: String?

    /// The customer's texts (English for an order from before languages were kept).
    public var texts: Texts { (language ?? .en).texts }

    public init(
        id: String, version: Int = 1, status: OrderStatus = .awaitingPayment, amount: Int, currency: String,
        customerEmail: String, customerName: String? = nil, items: [OrderItem], paymentMethod: OrderPaymentMethod, usage: SourceUsage,
        paymentFlow: OrderPaymentFlow = .sources, sourceID: String? = nil, sourceStatus: SourceStatus? = nil,
        paymentIntentID: String? = nil, paymentIntentStatus: PaymentIntentStatus? = nil, failedAttempt: String? = nil,
        redirectURL: String? = nil, customerID: String? = nil,
        chargeID: String? = nil, chargeStatus: ChargeStatus? = nil, failureReason: String? = nil, retryURL: String,
        createdAt: Date, updatedAt: Date? = nil, paidAt: Date? = nil, canceledAt: Date? = nil, language: CustomerLanguage? = nil,
        account: String? = nil
    ) {
        self.language = language
        self.account = account
        self.id = id
        self.version = version
        self.status = status
        self.amount = amount
        self.currency = currency
        self.customerEmail = customerEmail
        self.customerName = customerName
        self.items = items
        self.paymentMethod = paymentMethod
        self.usage = usage
        self.paymentFlow = paymentFlow
        self.sourceID = sourceID
        self.sourceStatus = sourceStatus
        self.paymentIntentID = paymentIntentID
        self.paymentIntentStatus = paymentIntentStatus
        self.failedAttempt = failedAttempt
        self.redirectURL = redirectURL
        self.customerID = customerID
        self.chargeID = chargeID
        self.chargeStatus = chargeStatus
        self.failureReason = failureReason
        self.retryURL = retryURL
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.paidAt = paidAt
        self.canceledAt = canceledAt
    }

    /// Whether a charge may still be created: nothing charged yet and the order not ended.
    public var awaitsCharge: Bool { status == .awaitingPayment && chargeID == nil }

    /// Whether the customer may pay again on this order: its PaymentIntent's last attempt failed and the order
    /// is still open (a Sources order starts again from `retryURL` instead).
    public var canPayAgain: Bool {
        paymentFlow == .paymentIntents && status == .awaitingPayment && paymentIntentStatus == .requiresPaymentMethod
            && failedAttempt != nil
    }

    /// The `orders` columns every SQL store keeps (the items as JSON in `items_json`).
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, version, status, amount, currency
        case customerEmail = "customer_email"
        case customerName = "customer_name"
        case items = "items_json"
        case paymentMethod = "payment_method"
        case usage
        case paymentFlow = "payment_flow"
        case sourceID = "source_id"
        case sourceStatus = "source_status"
        case paymentIntentID = "payment_intent_id"
        case paymentIntentStatus = "payment_intent_status"
        case failedAttempt = "failed_attempt"
        case redirectURL = "redirect_url"
        case customerID = "customer_id"
        case chargeID = "charge_id"
        case chargeStatus = "charge_status"
        case failureReason = "failure_reason"
        case retryURL = "retry_url"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case paidAt = "paid_at"
        case canceledAt = "canceled_at"
        case language
        case account
    }

    /// Decodes an order as stored or as kept in the ledger, including one written before PaymentIntents (no
    /// `payment_flow`: the Sources flow).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        version = try c.decode(Int.self, forKey: .version)
        status = try c.decode(OrderStatus.self, forKey: .status)
        amount = try c.decode(Int.self, forKey: .amount)
        currency = try c.decode(String.self, forKey: .currency)
        customerEmail = try c.decode(String.self, forKey: .customerEmail)
        customerName = try c.decodeIfPresent(String.self, forKey: .customerName)
        items = try c.decode([OrderItem].self, forKey: .items)
        paymentMethod = try c.decode(OrderPaymentMethod.self, forKey: .paymentMethod)
        usage = try c.decode(SourceUsage.self, forKey: .usage)
        paymentFlow = try c.decodeIfPresent(OrderPaymentFlow.self, forKey: .paymentFlow) ?? .sources
        sourceID = try c.decodeIfPresent(String.self, forKey: .sourceID)
        sourceStatus = try c.decodeIfPresent(SourceStatus.self, forKey: .sourceStatus)
        paymentIntentID = try c.decodeIfPresent(String.self, forKey: .paymentIntentID)
        paymentIntentStatus = try c.decodeIfPresent(PaymentIntentStatus.self, forKey: .paymentIntentStatus)
        failedAttempt = try c.decodeIfPresent(String.self, forKey: .failedAttempt)
        redirectURL = try c.decodeIfPresent(String.self, forKey: .redirectURL)
        customerID = try c.decodeIfPresent(String.self, forKey: .customerID)
        chargeID = try c.decodeIfPresent(String.self, forKey: .chargeID)
        chargeStatus = try c.decodeIfPresent(ChargeStatus.self, forKey: .chargeStatus)
        failureReason = try c.decodeIfPresent(String.self, forKey: .failureReason)
        retryURL = try c.decode(String.self, forKey: .retryURL)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
        paidAt = try c.decodeIfPresent(Date.self, forKey: .paidAt)
        canceledAt = try c.decodeIfPresent(Date.self, forKey: .canceledAt)
        language = try c.decodeIfPresent(CustomerLanguage.self, forKey: .language)
        account = try c.decodeIfPresent(String.self, forKey: .account)
    }
}

/// Where an order stands. `paid` and `canceled` are final: later events never move an order out of them.
public enum OrderStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Created; the source awaits the customer's authorisation (or is chargeable and about to be charged).
    case awaitingPayment = "awaiting_payment"
    /// Charged; the charge has not settled (bank debits take days).
    case chargePending = "charge_pending"
    /// The charge succeeded: the order is confirmed.
    case paid
    /// The source failed or was canceled, or the charge failed: nothing was taken, the order is not processed.
    case canceled

    public var isFinal: Bool { self == .paid || self == .canceled }
}

/// A line of an order: priced by the merchant (`name`, `unit_amount`), or referring to a Stripe price
/// (`price`), which the service prices itself and whose metadata (or catalog entry) names the action that
/// fulfils it, as for a Checkout line item.
public struct OrderItem: Sendable, Hashable, Codable {
    public var name: String
    public var quantity: Int
    /// In the currency's smallest unit.
    public var unitAmount: Int
    /// The Stripe price the item refers to.
    public var price: String?
    /// The price's product (filled in when the order is created).
    public var product: String?
    /// What fulfils the item once paid (from the price's or product's metadata, or the catalog; none for a
    /// merchant-priced item, whose payment is recorded).
    public var action: LineItemAction?

    public init(
        name: String, quantity: Int, unitAmount: Int, price: String? = nil, product: String? = nil, action: LineItemAction? = nil
    ) {
        self.name = name
        self.quantity = quantity
        self.unitAmount = unitAmount
        self.price = price
        self.product = product
        self.action = action
    }

    enum CodingKeys: String, CodingKey {
        case name, quantity, price, product, fulfillment, sku
        case unitAmount = "unit_amount"
    }

    /// A request may name only a price and a quantity; the rest is filled in from Stripe.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        price = try container.decodeIfPresent(String.self, forKey: .price)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        quantity = try container.decodeIfPresent(Int.self, forKey: .quantity) ?? 1
        unitAmount = try price == nil
            ? container.decode(Int.self, forKey: .unitAmount) : container.decodeIfPresent(Int.self, forKey: .unitAmount) ?? 0
        product = try container.decodeIfPresent(String.self, forKey: .product)
        action = try container.decodeIfPresent(String.self, forKey: .fulfillment).map {
            LineItemAction(name: $0, sku: try container.decodeIfPresent(String.self, forKey: .sku))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(quantity, forKey: .quantity)
        try container.encode(unitAmount, forKey: .unitAmount)
        try container.encodeIfPresent(price, forKey: .price)
        try container.encodeIfPresent(product, forKey: .product)
        try container.encodeIfPresent(action?.name, forKey: .fulfillment)
        try container.encodeIfPresent(action?.sku, forKey: .sku)
    }
}
