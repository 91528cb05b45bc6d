import StripeAPI

/// PaymentIntents and their charges, made when a Checkout Session is paid, and what happens after: refunds
/// (`POST /v1/refunds`) and disputes (through test control).
extension EmulatorState {
    /// The PaymentIntent and charge of a paid session: succeeded at once, or processing and pending until
    /// the session's delayed payment settles (`settlePayment`). Emits `charge.*` and `payment_intent.*` before
    /// the session's own event, in Stripe's order.
    func createPayment(_ paymentIntentID: String, for session: CheckoutSessionRecord, settled: Bool) {
        let details = session.customerDetails
        let paymentMethodID = makeID("pm_")
        let charge = ChargeRecord(
            id: makeID("ch_"), created: nowSeconds, amount: session.amountTotal, currency: session.currency,
            sourceID: nil, source: .null, paymentMethodID: paymentMethodID, paymentIntentID: paymentIntentID,
            customerID: session.customerID, status: settled ? .succeeded : .pending, metadata: [:], description: nil,
            receiptEmail: nil, billingName: details?.name, billingEmail: details?.email)
        let intent = PaymentIntentRecord(
            id: paymentIntentID, created: nowSeconds, amount: session.amountTotal, currency: session.currency,
            status: settled ? .succeeded : .processing, customerID: session.customerID, paymentMethodID: paymentMethodID,
            latestChargeID: charge.id, receiptEmail: nil, metadata: [:])
        charges[charge.id] = charge
        paymentIntents[intent.id] = intent
        emit("charge.\(charge.status.rawValue)", object: charge.json, cause: nil)
        emit(intent.eventType, object: intent.json, cause: nil)
    }

    /// A session's delayed payment settles: its charge and PaymentIntent follow.
    func settlePayment(of session: CheckoutSessionRecord, succeeded: Bool, at time: Int) {
        guard let intentID = session.paymentIntentID, var intent = paymentIntents[intentID],
            let chargeID = intent.latestChargeID, var charge = charges[chargeID], charge.status == .pending
        else { return }
        if succeeded {
            charge.status = .succeeded
            intent.status = .succeeded
        } else {
            charge.status = .failed
            charge.failureCode = "insufficient_funds"
            charge.failureMessage = "The customer's account has insufficient funds to cover this payment."
            intent.status = .requiresPaymentMethod
            intent.lastPaymentError = charge.failureMessage
        }
        charges[chargeID] = charge
        paymentIntents[intentID] = intent
        emit("charge.\(charge.status.rawValue)", object: charge.json, cause: nil, at: time)
        emit(intent.eventType, object: intent.json, cause: nil, at: time)
    }

    func retrievePaymentIntent(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard let intent = paymentIntents[id] else { throw .missing("payment_intent", id) }
        return try expansion.apply(call.parameters.expansions(), to: intent.json)
    }

    func listPaymentIntents(_ call: APICall) throws(APIError) -> JSONValue {
        var all = paymentIntents.newestFirst
        if let customer = try call.parameters.string("customer") { all = all.filter { $0.customerID == customer } }
        if let created = call.parameters.form["created"] {
            let bounds = try Self.timeBounds(created, param: "created")
            all = all.filter { bounds.lower <= $0.created && $0.created <= bounds.upper }
        }
        let page = try Page(all, id: \.id, parameters: call.parameters, resource: "payment_intent")
        return try expansion.apply(call.parameters.expansions(), to: page.json(url: "/v1/payment_intents") { $0.json })
    }

    // MARK: Refunds

    /// `POST /v1/refunds`: `charge` or `payment_intent`, and `amount` (default: what is left to refund).
    /// Emits `charge.refunded` with the charge and its refunds, as Stripe does for full and partial refunds.
    func createRefund(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly(["charge", "payment_intent", "amount", "reason", "metadata"])
        let chargeParameter = try parameters.string("charge")
        let intentParameter = try parameters.string("payment_intent")
        var chargeID: String
        switch (chargeParameter, intentParameter) {
        case (let id?, nil):
            chargeID = id
        case (nil, let intentID?):
            guard let intent = paymentIntents[intentID] else {
                throw .missingReference("payment_intent", intentID, param: "payment_intent")
            }
            guard let latest = intent.latestChargeID, intent.status == .succeeded else {
                throw .invalidRequest(
                    "This PaymentIntent (\(intentID)) does not have a successful charge to refund.",
                    param: "payment_intent", code: "charge_not_refundable")
            }
            chargeID = latest
        case (.some, .some):
            throw .invalidRequest("You may only specify one of these parameters: charge, payment_intent.")
        case (nil, nil):
            throw .invalidRequest("One of the following params should be provided for this request: payment_intent or charge.")
        }
        guard var charge = charges[chargeID] else { throw .missingReference("charge", chargeID, param: "charge") }
        guard charge.status == .succeeded else {
            throw .invalidRequest(
                "Charge \(chargeID) has not succeeded and cannot be refunded.", param: "charge", code: "charge_not_refundable")
        }
        guard charge.refundable > 0 else {
            throw .invalidRequest(
                "Charge \(chargeID) has already been refunded.", param: "charge", code: "charge_already_refunded")
        }
        let amount = try parameters.int("amount", range: 1...99_999_999) ?? charge.refundable
        guard amount <= charge.refundable else {
            throw .invalidRequest(
                "Refund amount (\(amount)) is greater than unrefunded amount on charge (\(charge.refundable)).",
                param: "amount", code: "amount_too_large")
        }
        var reason: RefundRecord.Reason?
        if let text = try parameters.string("reason") {
            guard let known = RefundRecord.Reason(rawValue: text) else {
                throw .invalidRequest(
                    "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer.", param: "reason")
            }
            reason = known
        }
        let refund = RefundRecord(
            id: makeID("re_"), created: nowSeconds, amount: amount, currency: charge.currency, chargeID: charge.id,
            paymentIntentID: charge.paymentIntentID, reason: reason, metadata: try parameters.metadata())
        charge.refunds.append(refund)
        charges[charge.id] = charge
        refundCharges[refund.id] = charge.id
        emit("charge.refunded", object: charge.json, cause: call)
        return refund.json
    }

    /// A refund by id (refunds live on their charge).
    func refund(_ id: String) -> RefundRecord? {
        refundCharges[id].flatMap { chargeID in charges[chargeID]?.refunds.first { $0.id == id } }
    }

    func retrieveRefund(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard let refund = refund(id) else { throw .missing("refund", id) }
        return try expansion.apply(call.parameters.expansions(), to: refund.json)
    }

    func listRefunds(_ call: APICall) throws(APIError) -> JSONValue {
        let chargeFilter = try call.parameters.string("charge")
        let intentFilter = try call.parameters.string("payment_intent")
        let all = refundCharges.ids.reversed().compactMap(refund)
            .filter { (chargeFilter == nil || $0.chargeID == chargeFilter) && (intentFilter == nil || $0.paymentIntentID == intentFilter) }
        let page = try Page(all, id: \.id, parameters: call.parameters, resource: "refund")
        return try expansion.apply(call.parameters.expansions(), to: page.json(url: "/v1/refunds") { $0.json })
    }

    // MARK: Disputes (test control)

    /// The cardholder's bank disputes a succeeded charge: `charge.dispute.created`.
    func openDispute(chargeID: String, reason: String?, amount: Int?) throws(APIError) -> JSONValue {
        guard var charge = charges[chargeID] else { throw .missing("charge", chargeID) }
        guard charge.status == .succeeded else {
            throw .invalidRequest("Only a succeeded charge can be disputed (\(chargeID) is \(charge.status.rawValue)).")
        }
        guard charge.disputeID == nil else {
            throw .invalidRequest("Charge \(chargeID) is already disputed.", code: "charge_disputed")
        }
        let reason = reason ?? "fraudulent"
        guard DisputeRecord.reasons.contains(reason) else {
            throw .invalidRequest("Invalid dispute reason: \(reason).", param: "reason")
        }
        let amount = amount ?? charge.amount
        guard (1...charge.amount).contains(amount) else {
            throw .invalidRequest("A dispute's amount is between 1 and the charge's amount (\(charge.amount)).", param: "amount")
        }
        let dispute = DisputeRecord(
            id: makeID("dp_"), created: nowSeconds, amount: amount, currency: charge.currency, chargeID: charge.id,
            paymentIntentID: charge.paymentIntentID, reason: reason)
        charge.disputeID = dispute.id
        charges[charge.id] = charge
        disputes[dispute.id] = dispute
        emit("charge.dispute.created", object: dispute.json, cause: nil)
        return dispute.json
    }

    /// The bank decides: `charge.dispute.closed` with `won` or `lost`.
    func closeDispute(_ id: String, won: Bool) throws(APIError) -> JSONValue {
        guard var dispute = disputes[id] else { throw .missing("dispute", id) }
        try dispute.close(won: won)
        disputes[id] = dispute
        emit("charge.dispute.closed", object: dispute.json, cause: nil)
        return dispute.json
    }

    /// `POST /v1/disputes/{id}`: the merchant's evidence; `charge.dispute.updated`.
    func updateDispute(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard var dispute = disputes[id] else { throw .missing("dispute", id) }
        let parameters = call.parameters
        try parameters.allowOnly(["evidence", "metadata", "submit", "expand"])
        var evidence: [String: String] = [:]
        for field in parameters.form["evidence"]?.fields ?? [] {
            guard let text = field.value.stringValue, text.count <= 20_000 else {
                throw .invalidRequest("Invalid evidence[\(field.key)].", param: "evidence[\(field.key)]")
            }
            evidence[field.key] = text
        }
        try dispute.update(evidence: evidence, metadata: try parameters.metadata(), submit: try parameters.bool("submit") ?? true)
        disputes[id] = dispute
        emit("charge.dispute.updated", object: dispute.json, cause: call)
        return try expansion.apply(parameters.expansions(), to: dispute.json)
    }

    func retrieveDispute(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard let dispute = disputes[id] else { throw .missing("dispute", id) }
        return try expansion.apply(call.parameters.expansions(), to: dispute.json)
    }

    func listDisputes(_ call: APICall) throws(APIError) -> JSONValue {
        var all = disputes.newestFirst
        if let charge = try call.parameters.string("charge") { all = all.filter { $0.chargeID == charge } }
        if let intent = try call.parameters.string("payment_intent") { all = all.filter { $0.paymentIntentID == intent } }
        let page = try Page(all, id: \.id, parameters: call.parameters, resource: "dispute")
        return try expansion.apply(call.parameters.expansions(), to: page.json(url: "/v1/disputes") { $0.json })
    }
}
