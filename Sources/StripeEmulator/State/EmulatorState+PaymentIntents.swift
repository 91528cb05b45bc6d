import StripeAPI

/// PaymentIntents created through the API (`POST /v1/payment_intents`), as Stripe's lifecycle has them: one
/// per payment, confirmed with a PaymentMethod (an id, a Stripe test id, or `payment_method_data`), each
/// confirmation one attempt with its own charge.
extension EmulatorState {
    /// The payment method types a PaymentIntent may use here.
    static let intentMethodTypes: Set<String> = ["card", "ideal", "bancontact", "sepa_debit"]

    func createPaymentIntent(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly([
            "amount", "currency", "payment_method_types", "automatic_payment_methods", "customer", "metadata", "description",
            "receipt_email", "payment_method", "payment_method_data", "return_url", "confirm", "setup_future_usage",
            "off_session", "mandate_data",
        ])
        let types = try parameters.strings("payment_method_types") ?? ["card"]
        try Self.checkMethodTypes(types)
        let customerID = try parameters.string("customer")
        if let customerID, customers[customerID] == nil { throw .missingReference("customer", customerID, param: "customer") }
        let futureUsage = try parameters.string("setup_future_usage")
        guard futureUsage == nil || futureUsage == "off_session" || futureUsage == "on_session" else {
            throw .invalidRequest("setup_future_usage must be on_session or off_session.", param: "setup_future_usage")
        }
        var intent = PaymentIntentRecord(
            id: makeID("pi_"), created: nowSeconds, amount: try parameters.int("amount", required: true, range: 50...99_999_999)!,
            currency: try parameters.requiredString("currency").lowercased(), status: .requiresPaymentMethod, customerID: customerID,
            paymentMethodID: nil, latestChargeID: nil, receiptEmail: try parameters.string("receipt_email"),
            metadata: try parameters.metadata(), paymentMethodTypes: types,
            automaticPaymentMethods: try parameters.object("automatic_payment_methods")?.bool("enabled") ?? false,
            description: try parameters.string("description"), returnURL: try parameters.string("return_url"),
            setupFutureUsage: futureUsage)
        if let method = try paymentMethodParameter(parameters, types: types) {
            intent.paymentMethodID = method.id
            intent.status = .requiresConfirmation
        }
        paymentIntents[intent.id] = intent
        emit("payment_intent.created", object: intent.json, cause: call)
        if try parameters.bool("confirm") == true {
            return try confirm(intent.id, parameters: parameters, call: call)
        }
        return intent.json
    }

    /// `POST /v1/payment_intents/{id}`: what may change before it is confirmed.
    func updatePaymentIntent(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly(["amount", "metadata", "description", "receipt_email", "payment_method", "payment_method_types"])
        guard var intent = paymentIntents[id] else { throw .missing("payment_intent", id) }
        guard [.requiresPaymentMethod, .requiresConfirmation, .requiresAction].contains(intent.status) else {
            throw .invalidRequest(
                "This PaymentIntent's status is \(intent.status.rawValue); it can no longer be updated.", code: "payment_intent_unexpected_state")
        }
        if let amount = try parameters.int("amount", range: 50...99_999_999) { intent.amount = amount }
        if let types = try parameters.strings("payment_method_types") {
            try Self.checkMethodTypes(types)
            intent.paymentMethodTypes = types
        }
        intent.metadata.merge(try parameters.metadata()) { _, new in new }
        if let description = try parameters.string("description") { intent.description = description }
        if let email = try parameters.string("receipt_email") { intent.receiptEmail = email }
        if let method = try paymentMethodParameter(parameters, types: intent.paymentMethodTypes) {
            intent.paymentMethodID = method.id
            intent.status = .requiresConfirmation
            intent.nextActionURL = nil
        }
        paymentIntents[id] = intent
        return intent.json
    }

    func confirmPaymentIntent(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        try call.parameters.allowOnly(["payment_method", "payment_method_data", "return_url", "off_session", "mandate_data"])
        return try confirm(id, parameters: call.parameters, call: call)
    }

    /// One attempt: the method's outcome decides the status, and every attempt but one needing the customer's
    /// action has its charge. A decline is a 402 card error carrying the intent, as Stripe answers it.
    private func confirm(_ id: String, parameters: Parameters, call: APICall) throws(APIError) -> JSONValue {
        guard var intent = paymentIntents[id] else { throw .missing("payment_intent", id) }
        guard [.requiresPaymentMethod, .requiresConfirmation, .requiresAction].contains(intent.status) else {
            throw .invalidRequest(
                "This PaymentIntent's status is \(intent.status.rawValue); it cannot be confirmed.", code: "payment_intent_unexpected_state")
        }
        if let method = try paymentMethodParameter(parameters, types: intent.paymentMethodTypes) { intent.paymentMethodID = method.id }
        if let returnURL = try parameters.string("return_url") { intent.returnURL = returnURL }
        guard let methodID = intent.paymentMethodID, let method = paymentMethod(methodID) else {
            throw .invalidRequest(
                "You cannot confirm this PaymentIntent because it's missing a payment method.", code: "payment_intent_unexpected_state")
        }
        if method.kind == .sepaDebit, try parameters.object("mandate_data") == nil, intent.setupFutureUsage == nil,
            try parameters.bool("off_session") != true
        {
            throw .invalidRequest("A SEPA Direct Debit payment needs mandate_data with the customer's acceptance.", param: "mandate_data")
        }
        if method.kind == .ideal || method.kind == .bancontact, intent.returnURL == nil {
            throw .invalidRequest("A \(method.kind.rawValue) payment needs a return_url to send the customer back to.", param: "return_url")
        }
        intent.lastPaymentError = nil
        intent.nextActionURL = nil
        switch method.outcome {
        case .requiresAction:
            intent.status = .requiresAction
            intent.nextActionURL = "\(call.baseURL)/payment_intents/\(intent.id)/authorize?client_secret=\(intent.clientSecret)"
            paymentIntents[id] = intent
            emit(intent.eventType, object: intent.json, cause: call)
        case .succeeds, .declines, .settlesLater:
            intent = charge(intent, with: method, outcome: method.outcome, call: call)
        }
        if method.outcome == .declines, let chargeID = intent.latestChargeID {
            // Stripe answers a declined confirmation with a 402 card error that carries the intent, now back in
            // requires_payment_method with its last_payment_error (the attempt, its charge and events stand).
            var error = APIError.cardDeclined(chargeID: chargeID)
            error.paymentIntent = intent.json
            throw error
        }
        return intent.json
    }

    /// Makes the attempt's charge and moves the intent as it went: succeeded, failed (back to
    /// `requires_payment_method`), or pending until the settlement.
    func charge(_ intent: PaymentIntentRecord, with method: PaymentMethodRecord, outcome: PaymentMethodRecord.Outcome, call: APICall?)
        -> PaymentIntentRecord
    {
        var intent = intent
        let status: ChargeRecord.Status =
            switch outcome {
            case .succeeds, .requiresAction: .succeeded
            case .declines: .failed
            case .settlesLater: .pending
            }
        var charge = ChargeRecord(
            id: makeID("ch_"), created: nowSeconds, amount: intent.amount, currency: intent.currency, sourceID: nil, source: .null,
            paymentMethodID: method.id, paymentIntentID: intent.id, customerID: intent.customerID, status: status,
            metadata: intent.metadata, description: intent.description, receiptEmail: intent.receiptEmail,
            billingName: method.billingName, billingEmail: method.billingEmail)
        if case .settlesLater(let succeeds) = outcome {
            charge.settlement = (nowSeconds + configuration.delayedSettlementSeconds, succeeds)
        }
        switch status {
        case .succeeded: intent.status = .succeeded
        case .pending: intent.status = .processing
        case .failed:
            charge.failureCode = "card_declined"
            charge.failureMessage = "Your card was declined."
            intent.status = .requiresPaymentMethod
            intent.lastPaymentError = charge.failureMessage
        }
        charges[charge.id] = charge
        intent.latestChargeID = charge.id
        paymentIntents[intent.id] = intent
        if status != .failed { saveForLater(intent, method: method, chargeID: charge.id) }
        emit("charge.\(charge.status.rawValue)", object: charge.json, cause: call)
        emit(intent.eventType, object: intent.json, cause: call)
        return intent
    }

    /// `setup_future_usage` with a customer: the method is saved on the customer as Stripe does. A card or a
    /// SEPA debit is attached itself; iDEAL and Bancontact (single-use redirects) leave a reusable SEPA debit
    /// method generated from the charge, on the account the customer paid from.
    private func saveForLater(_ intent: PaymentIntentRecord, method: PaymentMethodRecord, chargeID: String) {
        guard intent.setupFutureUsage != nil, let customerID = intent.customerID else { return }
        switch method.kind {
        case .card, .sepaDebit:
            guard var saved = paymentMethods[method.id], saved.customerID == nil else { return }
            saved.customerID = customerID
            paymentMethods[method.id] = saved
        case .ideal, .bancontact:
            let iban = method.kind == .ideal ? "NL91ABNA0417164300" : "BE68539007547034"
            var generated = PaymentMethodRecord(
                id: makeID("pm_"), created: nowSeconds, kind: .sepaDebit, customerID: customerID, billingName: method.billingName,
                billingEmail: method.billingEmail, metadata: [:], outcome: .settlesLater(succeeds: true))
            generated.iban = iban
            generated.generatedFromCharge = chargeID
            paymentMethods[generated.id] = generated
        }
    }

    /// `POST /v1/payment_intents/{id}/cancel`: before it succeeds or while it still waits for the customer.
    func cancelPaymentIntent(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        try call.parameters.allowOnly(["cancellation_reason"])
        guard var intent = paymentIntents[id] else { throw .missing("payment_intent", id) }
        guard [.requiresPaymentMethod, .requiresConfirmation, .requiresAction].contains(intent.status) else {
            throw .invalidRequest(
                "You cannot cancel this PaymentIntent because it has a status of \(intent.status.rawValue).",
                code: "payment_intent_unexpected_state")
        }
        let reason = try call.parameters.string("cancellation_reason") ?? "requested_by_customer"
        guard ["duplicate", "fraudulent", "requested_by_customer", "abandoned"].contains(reason) else {
            throw .invalidRequest("Invalid cancellation_reason.", param: "cancellation_reason")
        }
        intent.status = .canceled
        intent.canceledAt = nowSeconds
        intent.cancellationReason = reason
        intent.nextActionURL = nil
        paymentIntents[id] = intent
        emit(intent.eventType, object: intent.json, cause: call)
        return intent.json
    }

    /// The method a request names (`payment_method`, or `payment_method_data` made inline), checked against
    /// the intent's types and its customer.
    private func paymentMethodParameter(_ parameters: Parameters, types: [String]) throws(APIError) -> PaymentMethodRecord? {
        var method: PaymentMethodRecord?
        if let id = try parameters.string("payment_method") {
            guard let found = paymentMethod(id) else { throw .missingReference("payment_method", id, param: "payment_method") }
            method = found
        } else if let data = try parameters.object("payment_method_data") {
            method = try makePaymentMethod(data)
        }
        guard let method else { return nil }
        guard types.contains(method.kind.rawValue) else {
            throw .invalidRequest(
                "The PaymentMethod's type (\(method.kind.rawValue)) is not one of this PaymentIntent's payment_method_types.",
                param: "payment_method")
        }
        return method
    }

    static func checkMethodTypes(_ types: [String]) throws(APIError) {
        if types.contains("sofort") {
            throw .invalidRequest(
                "SOFORT is no longer available: Stripe discontinued it on 31 March 2025. Use another payment method.",
                param: "payment_method_types", code: "payment_method_unavailable")
        }
        guard !types.isEmpty, types.allSatisfy(intentMethodTypes.contains) else {
            throw .invalidRequest(
                "payment_method_types must be among \(intentMethodTypes.sorted().joined(separator: ", ")).", param: "payment_method_types")
        }
    }
}

extension EmulatorState {
    /// The customer's answer on the page `next_action` sent them to (3-D Secure, the bank's page): `succeed`
    /// completes the payment, `fail` returns the intent to `requires_payment_method` with a failed charge.
    /// Returns the intent and where the customer goes back to (`return_url` with `payment_intent`,
    /// `payment_intent_client_secret` and `redirect_status`).
    func authorizePaymentIntent(_ id: String, succeed: Bool) throws(APIError) -> (intent: JSONValue, redirectURL: String?) {
        guard let intent = paymentIntents[id] else { throw .missing("payment_intent", id) }
        guard intent.status == .requiresAction, let methodID = intent.paymentMethodID, let method = paymentMethod(methodID) else {
            throw .invalidRequest("This PaymentIntent does not wait for the customer (status \(intent.status.rawValue)).")
        }
        var next = intent
        next.nextActionURL = nil
        let after = charge(next, with: method, outcome: succeed ? .succeeds : .declines, call: nil)
        let redirect = intent.returnURL.map { base in
            let separator = base.contains("?") ? "&" : "?"
            return "\(base)\(separator)payment_intent=\(id)&payment_intent_client_secret=\(intent.clientSecret)"
                + "&redirect_status=\(succeed ? "succeeded" : "failed")"
        }
        return (after.json, redirect)
    }
}
