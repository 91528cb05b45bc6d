public import Foundation
import Logging
import StripeAPI

/// Orders on PaymentIntents (the default): one PaymentIntent per order, created with the order id as its
/// idempotency key and in its metadata, confirmed server-side with the customer's method and the confirmation
/// page as return URL. The customer goes to `next_action.redirect_to_url` when the bank or 3-D Secure asks;
/// a failed attempt leaves the order open, and the customer may confirm the same PaymentIntent again with
/// another method. A reusable order saves its method on a Customer for later, off-session payments.
public struct PaymentIntentOrderRail: OrderPaymentRail {
    let payments: OrderPayments

    public init(payments: OrderPayments) { self.payments = payments }

    public func onAccount(_ account: String?) -> PaymentIntentOrderRail { PaymentIntentOrderRail(payments: payments.onAccount(account)) }

    public var flow: OrderPaymentFlow { .paymentIntents }

    public func check(_ request: OrderRequest.Validated, merchant: Bool) throws(OrderRequestError) {
        let input = request.request
        let offSession = input.offSession == true
        if !merchant, input.customer != nil || offSession {
            throw OrderRequestError("customer and off_session are for the merchant's backend (Authorization: Bearer ORDER_API_KEY)")
        }
        if offSession, input.customer == nil || input.paymentMethodID == nil {
            throw OrderRequestError("an off-session payment needs the customer and the payment_method_id they saved")
        }
        if input.cardToken != nil { throw OrderRequestError("card_token is the Sources flow's; a PaymentIntent takes payment_method_id") }
        _ = try choice(request).checkedForPaymentIntent(offSession: offSession)
    }

    public func start(_ draft: Order, request: OrderRequest.Validated, payer: OrderPayer) async throws -> Order {
        let input = request.request
        let stripe = payments.stripe
        let choice = choice(request)
        try await checkSavedMethod(choice, customer: input.customer)
        var customerID = input.customer
        if request.usage == .reusable, customerID == nil {
            let customer = try await stripe.createCustomer(
                ["email": .string(draft.customerEmail), "metadata": ["order_id": .string(draft.id)]],
                idempotencyKey: "order-customer-\(draft.id)")
            customerID = customer.id
        }
        var fields: [FormField] = [
            FormField("amount", .int(draft.amount)),
            FormField("currency", .string(draft.currency)),
            FormField("payment_method_types", .array([.string(draft.paymentMethod.rawValue)])),
            FormField("description", .string("Order \(draft.id)")),
            FormField("metadata", ["order_id": .string(draft.id)]),
        ]
        if let customerID { fields.append(FormField("customer", .string(customerID))) }
        if request.usage == .reusable { fields.append(FormField("setup_future_usage", "off_session")) }
        let intent = try await stripe.createPaymentIntent(.object(fields), idempotencyKey: draft.id)
        var order = draft
        order.paymentFlow = .paymentIntents
        order.paymentIntentID = intent.id
        order.paymentIntentStatus = intent.status
        order.customerID = customerID
        try await payments.store.insertOrder(order)
        payments.logger.info(
            "order created",
            metadata: ["order.id": "\(order.id)", "stripe.payment_intent.id": "\(intent.id)", "order.method": "\(order.paymentMethod)"])
        return try await confirm(order, choice: choice, payer: payer, offSession: input.offSession == true, key: "order-confirm-\(order.id)")
    }

    public func refresh(_ order: Order) async throws -> Order {
        guard !order.status.isFinal, let intentID = order.paymentIntentID else { return order }
        return try await payments.apply(try await payments.stripe.retrievePaymentIntent(intentID), to: order).order
    }

    /// Confirms the same PaymentIntent again after a failed attempt. The key names the failure it follows, so
    /// a double click makes one attempt, and a later failure allows the next.
    public func payAgain(_ order: Order, with choice: OrderPaymentChoice, payer: OrderPayer) async throws -> Order {
        let method = try choice.checkedForPaymentIntent()
        guard !order.status.isFinal, let intentID = order.paymentIntentID else {
            throw OrderRequestError("this order cannot be paid again: it is \(order.status.rawValue)")
        }
        try await checkSavedMethod(choice, customer: order.customerID)
        // Only after a failed attempt. Another attempt may be under way already (a second click, a retry through
        // another instance): then the intent says how it stands (the answer's next_url leads back to the bank),
        // and no new attempt is made. A failure the order has not heard of yet is recorded first.
        let current = try await payments.stripe.retrievePaymentIntent(intentID)
        let recorded = try await payments.apply(current, to: order).order
        guard current.status == .requiresPaymentMethod, current.lastPaymentError != nil, recorded.canPayAgain,
            let failed = recorded.failedAttempt
        else { return recorded }
        var order = recorded
        if method != order.paymentMethod {
            // The intent accepts the new method's type from now on.
            _ = try await payments.stripe.send(
                .post, "/v1/payment_intents/\(StripeClient.pathSegment(intentID))",
                parameters: ["payment_method_types": .array([.string(method.rawValue)])],
                idempotencyKey: "order-method-\(order.id)-\(failed)-\(method.rawValue)", as: PaymentIntent.self)
            order = try await payments.record(method: method, on: order)
        }
        return try await confirm(order, choice: choice, payer: payer, offSession: false, key: "order-pay-\(order.id)-after-\(failed)")
    }

    /// One attempt: confirms the intent with the customer's method and applies what Stripe answers. A decline
    /// answered as an error (Stripe's 402), or an attempt its key already made, is read back from the intent.
    func confirm(_ order: Order, choice: OrderPaymentChoice, payer: OrderPayer, offSession: Bool, key: String) async throws -> Order {
        guard let intentID = order.paymentIntentID else { throw OrphanEventError("order \(order.id) has no PaymentIntent") }
        let intent: PaymentIntent
        do {
            intent = try await payments.stripe.confirmPaymentIntent(
                intentID, confirmParameters(order, choice: choice, payer: payer, offSession: offSession), idempotencyKey: key)
        } catch let error as StripeError where error.kind == .card || error.kind == .idempotency || error.kind == .conflict {
            // A decline (402), or this attempt already made under its key with other details (a retry through
            // another instance, from another address) or still in flight: the intent says how it went.
            intent = try await payments.stripe.retrievePaymentIntent(intentID)
        }
        guard let stored = try await payments.store.order(id: order.id) else { throw OrphanEventError("order \(order.id) vanished") }
        return try await payments.apply(intent, to: stored).order
    }

    func confirmParameters(_ order: Order, choice: OrderPaymentChoice, payer: OrderPayer, offSession: Bool) -> FormValue {
        var fields: [FormField] = []
        if let methodID = choice.paymentMethodID {
            fields.append(FormField("payment_method", .string(methodID)))
        } else {
            var data: [FormField] = [
                FormField("type", .string(choice.paymentMethod)),
                FormField(
                    "billing_details",
                    .object([FormField("email", .string(order.customerEmail)), FormField("name", .string(order.customerName ?? order.customerEmail))])),
            ]
            if let bank = choice.idealBank, choice.paymentMethod == OrderPaymentMethod.ideal.rawValue {
                data.append(FormField("ideal", ["bank": .string(bank)]))
            }
            if let iban = choice.iban.flatMap(IBAN.init), choice.paymentMethod == OrderPaymentMethod.sepaDebit.rawValue {
                data.append(FormField("sepa_debit", ["iban": .string(iban.normalized)]))
            }
            fields.append(FormField("payment_method_data", .object(data)))
        }
        if offSession {
            fields.append(FormField("off_session", true))
        } else {
            fields.append(FormField("return_url", .string(payments.pageURL(orderID: order.id))))
        }
        if choice.paymentMethod == OrderPaymentMethod.sepaDebit.rawValue, !offSession, choice.paymentMethodID == nil {
            fields.append(
                FormField(
                    "mandate_data",
                    [
                        "customer_acceptance": [
                            "type": "online",
                            "online": ["ip_address": .string(payer.ipAddress ?? "0.0.0.0"), "user_agent": .string(payer.userAgent ?? "unknown")],
                        ]
                    ]))
        }
        return .object(fields)
    }

    /// A saved method must be the paying customer's: a browser names none that belongs to a customer, the
    /// merchant's backend only one of the customer it names. Read at Stripe; nothing is created.
    func checkSavedMethod(_ choice: OrderPaymentChoice, customer: String?) async throws {
        guard let methodID = choice.paymentMethodID else { return }
        let method: PaymentMethod
        do {
            method = try await payments.stripe.retrievePaymentMethod(methodID)
        } catch let error as StripeError where error.httpStatus == 404 {
            throw OrderRequestError("payment_method_id \(methodID) does not exist")
        }
        guard method.type == choice.paymentMethod else {
            throw OrderRequestError("payment_method_id \(methodID) is a \(method.type) method, not \(choice.paymentMethod)")
        }
        if let owner = method.customer, owner != customer {
            throw OrderRequestError("payment_method_id \(methodID) belongs to another customer")
        }
    }

    func choice(_ request: OrderRequest.Validated) -> OrderPaymentChoice {
        let input = request.request
        return OrderPaymentChoice(
            paymentMethod: input.paymentMethod, idealBank: input.idealBank, iban: input.iban, paymentMethodID: input.paymentMethodID,
            mandateAccepted: input.mandateAccepted)
    }
}
