import Foundation
public import StripeAPI

/// A request to create an order, validated before anything reaches Stripe. Amounts are in the currency's
/// smallest unit; customer-supplied text is limited in length and kept as data.
public struct OrderRequest: Sendable, Hashable, Decodable {
    public var items: [OrderItem]?
    /// The total, when the order has no itemised lines.
    public var amount: Int?
    public var currency: String
    public var email: String
    public var name: String?
    /// `ideal`, `sofort`, `bancontact`, `sepa_debit` or `card`.
    public var paymentMethod: String
    /// `reusable` for a card or SEPA debit source kept on a customer; otherwise `single_use`.
    public var usage: String?
    /// `ideal[bank]`, `sofort[country]`, `sepa_debit[iban]`, and for a card the token Stripe.js made.
    public var idealBank: String?
    public var sofortCountry: String?
    public var iban: String?
    public var cardToken: String?
    /// Where to send a customer whose payment failed (default: the service's public URL).
    public var retryURL: String?
    /// The customer's language for pages and emails (`es`, `en`, or a Stripe locale such as `es-419`).
    public var locale: String?
    /// `payment_intents` (the default unless `ORDER_PAYMENT_FLOW` says otherwise) or `sources` (the guide's flow).
    public var paymentFlow: String?
    /// A PaymentMethod made by Stripe.js in the browser (`pm_...`: a card), or one the customer saved.
    public var paymentMethodID: String?
    /// The customer whose saved method pays (the merchant's backend only, with the order key).
    public var customer: String?
    /// The customer accepted the SEPA Direct Debit mandate (required for `sepa_debit` on a PaymentIntent).
    public var mandateAccepted: Bool?
    /// Charge the saved method without the customer present (the merchant's backend only).
    public var offSession: Bool?
    /// The connected account (Connect) the order is paid on: one of `CONNECTED_ACCOUNTS`.
    public var account: String?

    public init(
        items: [OrderItem]? = nil, amount: Int? = nil, currency: String, email: String, name: String? = nil,
        paymentMethod: String, usage: String? = nil, idealBank: String? = nil, sofortCountry: String? = nil,
        iban: String? = nil, cardToken: String? = nil, retryURL: String? = nil, locale: String? = nil
    ) {
        self.locale = locale
        self.items = items
        self.amount = amount
        self.currency = currency
        self.email = email
        self.name = name
        self.paymentMethod = paymentMethod
        self.usage = usage
        self.idealBank = idealBank
        self.sofortCountry = sofortCountry
        self.iban = iban
        self.cardToken = cardToken
        self.retryURL = retryURL
    }

    enum CodingKeys: String, CodingKey {
        case items, amount, currency, email, name, usage, iban, locale
        case paymentMethod = "payment_method"
        case idealBank = "ideal_bank"
        case sofortCountry = "sofort_country"
        case cardToken = "card_token"
        case retryURL = "retry_url"
        case paymentFlow = "payment_flow"
        case paymentMethodID = "payment_method_id"
        case customer
        case mandateAccepted = "mandate_accepted"
        case offSession = "off_session"
        case account
    }


    /// The checked request: its lines (one line for a bare amount), their total and its usage. Lines that
    /// refer to a Stripe price are priced by `OrderPayments` before the order is created.
    public struct Validated: Sendable, Hashable {
        public var request: OrderRequest
        public var method: OrderPaymentMethod
        public var lines: [OrderItem]
        public var usage: SourceUsage
        /// The flow the request names (`nil`: the service's default).
        public var flow: OrderPaymentFlow?
        /// `retry_url`, parsed as a browser would (its origin is checked against the allowed ones).
        public var retryURL: ReturnURL?
        public var isRedirect: Bool { method.isRedirect }
        public var total: Int { lines.reduce(0) { $0 + $1.quantity * $1.unitAmount } }

        /// Whether every line has its price (none waits for Stripe's).
        public var isPriced: Bool { lines.allSatisfy { $0.price == nil || $0.unitAmount > 0 } }

        /// Checks the total once every line is priced.
        public func checkTotal() throws(OrderRequestError) {
            guard (1...99_999_999).contains(total) else { throw OrderRequestError("the total must be between 1 and 99999999") }
        }
    }

    /// Checks the request; the error says what to fix.
    public func validated() throws(OrderRequestError) -> Validated {
        guard let method = OrderPaymentMethod(rawValue: paymentMethod) else {
            throw OrderRequestError(
                "payment_method must be one of \(OrderPaymentMethod.allCases.map(\.rawValue).sorted().joined(separator: ", "))")
        }
        guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw OrderRequestError("currency must be a three-letter ISO code")
        }
        let email = email.trimmingCharacters(in: .whitespaces)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !email.contains(where: { $0.isWhitespace || $0.isNewline || $0 == "<" || $0 == ">" })
        else { throw OrderRequestError("email must be an email address") }
        if let name, name.count > 200 || name.contains(where: \.isNewline) {
            throw OrderRequestError("name must be one line of at most 200 characters")
        }
        var lines: [OrderItem]
        switch (items, amount) {
        case (let items?, nil):
            guard (1...100).contains(items.count) else { throw OrderRequestError("items must hold 1 to 100 lines") }
            for item in items {
                if let price = item.price {
                    guard price.hasPrefix("price_"), price.count <= 255, price.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
                    else { throw OrderRequestError("an item's price must be a Stripe price id (price_...)") }
                    guard (1...1000).contains(item.quantity) else { throw OrderRequestError("each item needs a quantity of 1 to 1000") }
                    continue
                }
                guard !item.name.isEmpty, item.name.count <= 200, !item.name.contains(where: \.isNewline) else {
                    throw OrderRequestError("each item needs a name of at most 200 characters on one line")
                }
                guard (1...1000).contains(item.quantity), (1...99_999_999).contains(item.unitAmount) else {
                    throw OrderRequestError("each item needs a quantity of 1 to 1000 and a positive unit_amount")
                }
            }
            lines = items
        case (nil, let amount?):
            lines = [OrderItem(name: "Order", quantity: 1, unitAmount: amount)]
        default:
            throw OrderRequestError("give either items or amount")
        }
        let usage = self.usage ?? "single_use"
        guard usage == "single_use" || usage == "reusable" else { throw OrderRequestError("usage must be single_use or reusable") }
        for value in [idealBank, sofortCountry, iban, cardToken, paymentMethodID, customer] {
            if let value, value.count > 64 { throw OrderRequestError("payment details are at most 64 characters") }
        }
        let flow = paymentFlow.map(OrderPaymentFlow.init(rawValue:))
        if let flow, flow != .sources, flow != .paymentIntents {
            throw OrderRequestError("payment_flow must be payment_intents or sources")
        }
        if let paymentMethodID, !Self.isStripeID(paymentMethodID, prefix: "pm_") {
            throw OrderRequestError("payment_method_id must be a Stripe PaymentMethod id (pm_...)")
        }
        if let customer, !Self.isStripeID(customer, prefix: "cus_") {
            throw OrderRequestError("customer must be a Stripe customer id (cus_...)")
        }
        if let locale, locale.count > 16 || !locale.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") }) {
            throw OrderRequestError("locale must be a language tag such as es or en")
        }
        var returnURL: ReturnURL?
        if let retryURL {
            do {
                returnURL = try ReturnURL(parsing: retryURL)
            } catch {
                throw OrderRequestError("retry_url \(error.description)")
            }
        }
        var request = self
        request.email = email
        request.currency = currency.lowercased()
        // Kept as rebuilt from its parsed parts: what was checked is what is stored and shown.
        request.retryURL = returnURL?.description
        let validated = Validated(
            request: request, method: method, lines: lines, usage: SourceUsage(rawValue: usage), flow: flow, retryURL: returnURL)
        if validated.lines.allSatisfy({ $0.price == nil }) { try validated.checkTotal() }
        return validated
    }
}

extension OrderRequest {
    static func isStripeID(_ id: String, prefix: String) -> Bool {
        id.hasPrefix(prefix) && id.count > prefix.count && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}

/// A request that cannot become an order, with what to fix.
public struct OrderRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
