public import Foundation
import Logging
import StripeAPI

/// The Sources and Charges flow (Stripe's guide; older accounts still run it): a source with the order id in
/// its metadata and the confirmation page as its return URL, charged once it is chargeable (at once for cards
/// and SEPA debits). What Stripe then says about the source and the charge is `OrderPayments`'.
public struct SourceOrderRail: OrderPaymentRail {
    let payments: OrderPayments

    public init(payments: OrderPayments) { self.payments = payments }

    public func onAccount(_ account: String?) -> SourceOrderRail { SourceOrderRail(payments: payments.onAccount(account)) }

    public var flow: OrderPaymentFlow { .sources }

    public func check(_ request: OrderRequest.Validated, merchant: Bool) throws(OrderRequestError) {
        let input = request.request
        guard request.usage == .singleUse || request.method.allowsReuse else {
            throw OrderRequestError("usage reusable is for card and sepa_debit only")
        }
        switch request.method {
        case .card where input.cardToken?.isEmpty ?? true: throw OrderRequestError("a card payment needs card_token")
        case .sepaDebit where input.iban?.isEmpty ?? true: throw OrderRequestError("a SEPA debit needs iban")
        case .sofort where input.sofortCountry?.isEmpty ?? true: throw OrderRequestError("a SOFORT payment needs sofort_country")
        default: break
        }
        if input.paymentMethodID != nil || input.customer != nil || input.offSession == true {
            throw OrderRequestError("payment_method_id, customer and off_session belong to the PaymentIntent flow, not sources")
        }
    }

    public func start(_ draft: Order, request: OrderRequest.Validated, payer: OrderPayer) async throws -> Order {
        let source = try await payments.stripe.createSource(
            sourceParameters(request, orderID: draft.id), idempotencyKey: "order-source-\(draft.id)")
        var order = draft
        order.paymentFlow = .sources
        order.sourceID = source.id
        order.sourceStatus = source.status
        order.redirectURL = source.redirect?.url
        try await payments.store.insertOrder(order)
        payments.logger.info(
            "order created",
            metadata: ["order.id": "\(order.id)", "stripe.source.id": "\(source.id)", "order.method": "\(order.paymentMethod)"])
        if source.status == .chargeable { return try await payments.charge(order) }
        return order
    }

    public func refresh(_ order: Order) async throws -> Order {
        guard order.awaitsCharge, let sourceID = order.sourceID else { return order }
        let (decision, charged) = try await payments.apply(try await payments.stripe.retrieveSource(sourceID), to: order)
        return charged ?? decision.order
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
}
