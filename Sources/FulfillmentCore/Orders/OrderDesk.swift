public import Foundation
public import Logging
public import StripeAPI

/// Creating an order (the Sources and Charges flow's first step): prices the items that name a Stripe price,
/// creates the order's source with the order id in its metadata and the confirmation page as its return URL,
/// records the order, and hands it to `OrderPayments` at once when the source is chargeable already (cards,
/// SEPA debit). Applying what Stripe then says about the source and the charge is `OrderPayments`'.
public struct OrderDesk: Sendable {
    let stripe: StripeClient
    let store: any FulfillmentStore
    let payments: OrderPayments
    /// Where a customer may try again when the request names no `retry_url`.
    let publicURL: String
    /// What fulfils an item that refers to a Stripe price (its metadata, or the catalog), and the actions.
    let catalog: Catalog
    /// The language of customers whose order and browser name none we speak (`DEFAULT_LOCALE`).
    let defaultLanguage: CustomerLanguage
    let now: @Sendable () -> Date
    let logger: Logger

    public init(
        stripe: StripeClient, store: any FulfillmentStore, payments: OrderPayments, publicURL: String, catalog: Catalog = Catalog(),
        defaultLanguage: CustomerLanguage = .en, now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.stripe = stripe
        self.store = store
        self.payments = payments
        self.publicURL = publicURL
        self.catalog = catalog
        self.defaultLanguage = defaultLanguage
        self.now = now
        self.logger = logger
    }

    /// Creates the order's source (with the order id in its metadata and the confirmation page as its return
    /// URL), records the order, and charges at once if the source is already chargeable (cards, SEPA debit).
    /// `acceptLanguage` is the browser's header: the customer's language when the request names none.
    public func createOrder(_ request: OrderRequest.Validated, acceptLanguage: String? = nil) async throws -> Order {
        let request = try await priced(request)
        let orderID = Self.newOrderID()
        let source = try await stripe.createSource(sourceParameters(request, orderID: orderID), idempotencyKey: "order-source-\(orderID)")
        let created = now()
        let order = Order(
            id: orderID, amount: request.total, currency: request.request.currency, customerEmail: request.request.email,
            customerName: request.request.name, items: request.lines, paymentMethod: request.method,
            usage: request.usage, sourceID: source.id, sourceStatus: source.status, redirectURL: source.redirect?.url,
            retryURL: request.request.retryURL ?? publicURL, createdAt: created,
            language: CustomerLanguage.resolve(
                CustomerLanguage(stripeLocale: request.request.locale), CustomerLanguage.preferred(acceptLanguage: acceptLanguage),
                default: defaultLanguage))
        try await store.insertOrder(order)
        logger.info(
            "order created",
            metadata: ["order.id": "\(orderID)", "stripe.source.id": "\(source.id)", "order.method": "\(order.paymentMethod)"])
        if source.status == .chargeable {
            return try await payments.charge(order)
        }
        return order
    }

    /// Prices the items that refer to a Stripe price from the price itself (never from the request), names
    /// them after their product, and resolves the action that fulfils them; the error says what to fix.
    func priced(_ request: OrderRequest.Validated) async throws -> OrderRequest.Validated {
        var request = request
        for index in request.lines.indices {
            guard let priceID = request.lines[index].price else { continue }
            let price: Price
            do {
                price = try await stripe.retrievePrice(priceID, expand: ["product"])
            } catch let error as StripeError where error.httpStatus == 404 {
                throw OrderRequestError("price \(priceID) does not exist")
            }
            guard price.active, let unitAmount = price.unitAmount, unitAmount > 0 else {
                throw OrderRequestError("price \(priceID) cannot be sold (inactive, or without a unit amount)")
            }
            guard price.currency.lowercased() == request.request.currency else {
                throw OrderRequestError("price \(priceID) is in \(price.currency), the order in \(request.request.currency)")
            }
            let action: LineItemAction
            do {
                action = try catalog.action(price: price, describing: "item \(index + 1) (price \(priceID))")
            } catch {
                throw OrderRequestError(error.description)
            }
            request.lines[index].unitAmount = unitAmount
            request.lines[index].name = price.product.expanded?.name ?? price.nickname ?? priceID
            request.lines[index].product = price.product.id
            request.lines[index].action = action
        }
        try request.checkTotal()
        return request
    }

    func sourceParameters(_ request: OrderRequest.Validated, orderID: String) -> FormValue {
        let input = request.request
        var fields: [FormField] = [
            FormField("type", .string(request.method.rawValue)),
            FormField("amount", .int(request.total)),
            FormField("currency", .string(input.currency)),
            FormField("usage", .string(request.usage.rawValue)),
            FormField("owner", .object([FormField("email", .string(input.email))] + (input.name.map { [FormField("name", .string($0))] } ?? []))),
            FormField("metadata", ["order_id": .string(orderID)]),
            FormField("statement_descriptor", .string("ORDER \(orderID.suffix(8).uppercased())")),
        ]
        if request.isRedirect { fields.append(FormField("redirect", ["return_url": .string(payments.pageURL(orderID: orderID))])) }
        switch request.method {
        case .ideal: if let bank = input.idealBank { fields.append(FormField("ideal", ["bank": .string(bank)])) }
        case .sofort: fields.append(FormField("sofort", ["country": .string(input.sofortCountry ?? "DE")]))
        case .sepaDebit: fields.append(FormField("sepa_debit", ["iban": .string(input.iban ?? "")]))
        case .card: fields.append(FormField("token", .string(input.cardToken ?? "")))
        case .bancontact: break
        }
        return .object(fields)
    }

    static func newOrderID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        return "ord_" + String((0..<24).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
