public import Foundation
public import Logging
public import StripeAPI

/// Creating an order: prices the items that name a Stripe price and hands the order to its flow's rail
/// (`OrderRails`: a PaymentIntent by default, or the Sources flow), which creates and starts its payment.
/// Also the status endpoint's look at Stripe, and another attempt after a failed one. Applying what Stripe
/// then says is `OrderPayments`'.
public struct OrderDesk: Sendable {
    let stripe: StripeClient
    let store: any FulfillmentStore
    let payments: OrderPayments
    /// The flows orders may take, by name, and the default (`ORDER_PAYMENT_FLOW`).
    let rails: OrderRails
    /// Where a customer may try again when the request names no `retry_url`.
    let publicURL: String
    /// What fulfils an item that refers to a Stripe price (its metadata, or the catalog), and the actions.
    let catalog: Catalog
    /// The language of customers whose order and browser name none we speak (`DEFAULT_LOCALE`).
    let defaultLanguage: CustomerLanguage
    let now: @Sendable () -> Date
    let logger: Logger
    /// The connected accounts (Connect) an order may name (`CONNECTED_ACCOUNTS`).
    let connectedAccounts: Set<String>

    public init(
        stripe: StripeClient, store: any FulfillmentStore, payments: OrderPayments, defaultFlow: OrderPaymentFlow = .paymentIntents,
        publicURL: String, catalog: Catalog = Catalog(), defaultLanguage: CustomerLanguage = .en, connectedAccounts: Set<String> = [],
        now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.connectedAccounts = connectedAccounts
        self.rails = OrderRails([PaymentIntentOrderRail(payments: payments), SourceOrderRail(payments: payments)], defaultFlow: defaultFlow)
        self.stripe = stripe
        self.store = store
        self.payments = payments
        self.publicURL = publicURL
        self.catalog = catalog
        self.defaultLanguage = defaultLanguage
        self.now = now
        self.logger = logger
    }

    /// Creates an order on the flow the request names (or the default), through that flow's rail: its
    /// payment is created at Stripe with the order id in its metadata and as idempotency key, and started.
    /// `acceptLanguage` is the browser's header: the customer's language when the request names none.
    public func createOrder(
        _ request: OrderRequest.Validated, acceptLanguage: String? = nil, payer: OrderPayer = OrderPayer(merchant: true)
    ) async throws -> Order {
        let rail = try rail(for: request, merchant: payer.merchant)
        let request = try await priced(request)
        let draft = Order(
            id: Self.newOrderID(), amount: request.total, currency: request.request.currency, customerEmail: request.request.email,
            customerName: request.request.name, items: request.lines, paymentMethod: request.method, usage: request.usage,
            paymentFlow: rail.flow, retryURL: request.request.retryURL ?? publicURL, createdAt: now(),
            language: CustomerLanguage.resolve(
                CustomerLanguage(stripeLocale: request.request.locale), CustomerLanguage.preferred(acceptLanguage: acceptLanguage),
                default: defaultLanguage),
            account: request.request.account)
        return try await rail.start(draft, request: request, payer: payer)
    }

    /// The rail for the request's flow, once it has checked the request (nothing has reached Stripe yet).
    public func rail(for request: OrderRequest.Validated, merchant: Bool) throws(OrderRequestError) -> any OrderPaymentRail {
        let flow = request.flow ?? rails.defaultFlow
        if let account = request.request.account, !connectedAccounts.contains(account) {
            throw OrderRequestError("account must be one of CONNECTED_ACCOUNTS (\(account.prefix(40)) is not)")
        }
        guard let rail = rails.rail(flow, account: request.request.account) else { throw OrderRequestError("payment_flow \(flow) is not offered here") }
        try rail.check(request, merchant: merchant)
        return rail
    }

    /// The order as it stands; while it awaits payment, and at most once per `sourceCheckInterval` whichever
    /// instance is asked (the store keeps when the payment was last looked at), its rail looks at Stripe and
    /// applies what it says without waiting for the webhook. Errors on that path are logged, never shown:
    /// the page keeps polling.
    public func refresh(orderID: String) async throws -> Order? {
        guard let order = try await store.order(id: orderID) else { return nil }
        guard !order.status.isFinal, let rail = rails.rail(order.paymentFlow, account: order.account),
            try await store.claimSourceCheck(orderID: order.id, now: now(), interval: payments.sourceCheckInterval.seconds)
        else { return order }
        do {
            return try await rail.refresh(order)
        } catch {
            logger.warning("order refresh failed", metadata: ["order.id": "\(orderID)", "error": "\(error)"])
            return try await store.order(id: orderID) ?? order
        }
    }

    /// Another attempt on an open order whose last attempt failed (`POST /api/orders/{id}/payment`); `nil` for
    /// an unknown order.
    public func payAgain(orderID: String, with choice: OrderPaymentChoice, payer: OrderPayer) async throws -> Order? {
        guard let order = try await store.order(id: orderID) else { return nil }
        guard let rail = rails.rail(order.paymentFlow, account: order.account) else { throw OrderRequestError("payment_flow \(order.paymentFlow) is not offered here") }
        return try await rail.payAgain(order, with: choice, payer: payer)
    }

    /// Prices the items that refer to a Stripe price from the price itself (never from the request), names
    /// them after their product, and resolves the action that fulfils them; the error says what to fix.
    func priced(_ request: OrderRequest.Validated) async throws -> OrderRequest.Validated {
        var request = request
        for index in request.lines.indices {
            guard let priceID = request.lines[index].price else { continue }
            let price: Price
            do {
                price = try await stripe.onAccount(request.request.account).retrievePrice(priceID, expand: ["product"])
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

    static func newOrderID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        return "ord_" + String((0..<24).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
