import StripeAPI

extension EmulatorState {
    /// Stripe's test PaymentMethod ids, usable wherever a PaymentMethod id is: each is made on first use.
    static let testPaymentMethods: [String: (brand: String, last4: String, outcome: PaymentMethodRecord.Outcome)] = [
        "pm_card_visa": ("Visa", "4242", .succeeds),
        "pm_card_mastercard": ("MasterCard", "4444", .succeeds),
        "pm_card_chargeDeclined": ("Visa", "0002", .declines),
        "pm_card_visa_chargeDeclined": ("Visa", "0002", .declines),
        "pm_card_threeDSecure2Required": ("Visa", "3220", .requiresAction),
        "pm_card_authenticationRequired": ("Visa", "3184", .requiresAction),
        "pm_card_chargeCustomerFail": ("Visa", "0341", .succeeds),
    ]

    /// The PaymentMethod with this id, making one of Stripe's test ids on first use.
    func paymentMethod(_ id: String) -> PaymentMethodRecord? {
        if let method = paymentMethods[id] { return method }
        guard let test = Self.testPaymentMethods[id] else { return nil }
        var method = PaymentMethodRecord(
            id: id, created: nowSeconds, kind: .card, metadata: [:], card: (test.brand, test.last4, 12, 2034), outcome: test.outcome)
        method.failsRenewals = id == "pm_card_chargeCustomerFail"
        paymentMethods[id] = method
        return method
    }

    /// `POST /v1/payment_methods` (a publishable key may, as Stripe.js does).
    func createPaymentMethod(_ call: APICall) throws(APIError) -> JSONValue {
        try makePaymentMethod(call.parameters).json
    }

    /// A new PaymentMethod from `parameters` (the create request's, or a PaymentIntent's `payment_method_data`).
    func makePaymentMethod(_ parameters: Parameters) throws(APIError) -> PaymentMethodRecord {
        try parameters.allowOnly(["type", "card", "ideal", "bancontact", "sepa_debit", "sofort", "billing_details", "metadata"])
        let type = try parameters.requiredString("type")
        if type == "sofort" {
            throw .invalidRequest(
                "SOFORT is no longer available: Stripe discontinued it on 31 March 2025. Use another payment method.",
                param: "type", code: "payment_method_unavailable")
        }
        guard let kind = PaymentMethodRecord.Kind(rawValue: type) else {
            throw .invalidRequest(
                "Invalid type: must be one of \(PaymentMethodRecord.Kind.allCases.map(\.rawValue).joined(separator: ", ")).", param: "type")
        }
        let billing = try parameters.object("billing_details")
        var method = PaymentMethodRecord(
            id: makeID("pm_"), created: nowSeconds, kind: kind, billingName: try billing?.string("name", maxLength: 256),
            billingEmail: try billing?.string("email", maxLength: 512), metadata: try parameters.metadata(), outcome: .succeeds)
        switch kind {
        case .card:
            guard let card = try parameters.object("card") else { throw .invalidRequest("Missing required param: card.", param: "card") }
            let details = try CardDetails(parameters: card)
            method.card = (details.brand, details.last4, details.expMonth, details.expYear)
            method.outcome = details.declines ? .declines : .succeeds
        case .ideal:
            method.idealBank = try parameters.object("ideal")?.string("bank", maxLength: 64)
            method.outcome = .requiresAction
        case .bancontact:
            method.outcome = .requiresAction
        case .sepaDebit:
            let text = try parameters.object("sepa_debit")?.string("iban", required: true) ?? ""
            guard let iban = IBAN(text)?.normalized else {
                throw .invalidRequest("The IBAN you provided is invalid.", param: "sepa_debit[iban]", code: "invalid_bank_account_iban")
            }
            method.iban = iban
            method.outcome = .settlesLater(succeeds: iban != Self.failingIBAN)
        }
        paymentMethods[method.id] = method
        return method
    }

    func retrievePaymentMethod(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard let method = paymentMethod(id) else { throw .missing("payment_method", id) }
        return try expansion.apply(call.parameters.expansions(), to: method.json)
    }

    /// `GET /v1/payment_methods?customer=...&type=...`: a customer's saved methods, newest first.
    func listPaymentMethods(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        let customer = try parameters.string("customer")
        let type = try parameters.string("type")
        if let customer, customers[customer] == nil { throw .missingReference("customer", customer, param: "customer") }
        let all = paymentMethods.newestFirst.filter { method in
            (customer == nil || method.customerID == customer) && (type == nil || method.kind.rawValue == type)
        }
        let page = try Page(all, id: \.id, parameters: parameters, resource: "payment_method")
        return try expansion.apply(parameters.expansions(), to: page.json(url: "/v1/payment_methods") { $0.json })
    }

    /// `POST /v1/payment_methods/{id}/attach`: saves a card or SEPA debit account on a customer.
    func attachPaymentMethod(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        try call.parameters.allowOnly(["customer"])
        let attached = try attachPaymentMethod(id, toCustomer: try call.parameters.requiredString("customer"), cause: call)
        return paymentMethods[attached]!.json
    }

    /// Attaches a reusable method to a customer (the API's attach, or a customer created with `payment_method`);
    /// returns the id attached. One of Stripe's test ids (`pm_card_visa`) is a template, as at Stripe: each
    /// attachment makes a PaymentMethod of its own from it, so one test id serves any number of customers.
    @discardableResult
    func attachPaymentMethod(_ id: String, toCustomer customerID: String, cause: APICall? = nil) throws(APIError) -> String {
        guard customers[customerID] != nil else { throw .missingReference("customer", customerID, param: "customer") }
        guard var method = paymentMethod(id) else { throw .missing("payment_method", id) }
        guard method.kind.isReusable else {
            throw .invalidRequest(
                "PaymentMethods of type \(method.kind.rawValue) cannot be attached to a customer: save the SEPA Direct Debit "
                    + "PaymentMethod a payment with setup_future_usage generates instead.", param: "payment_method")
        }
        if Self.testPaymentMethods[id] != nil {
            method.id = makeID("pm_")
            method.created = nowSeconds
            method.customerID = nil
        }
        if let owner = method.customerID, owner != customerID {
            throw .invalidRequest("The payment method you provided has already been attached to a customer.", param: "payment_method")
        }
        method.customerID = customerID
        paymentMethods[method.id] = method
        emit("payment_method.attached", object: method.json, cause: cause)
        return method.id
    }

    /// `POST /v1/payment_methods/{id}/detach`.
    func detachPaymentMethod(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        try call.parameters.allowOnly([])
        guard var method = paymentMethod(id) else { throw .missing("payment_method", id) }
        guard method.customerID != nil else {
            throw .invalidRequest("The payment method \(id) is not attached to a customer.", param: "payment_method")
        }
        method.customerID = nil
        paymentMethods[id] = method
        emit("payment_method.detached", object: method.json, cause: call)
        return method.json
    }
}
