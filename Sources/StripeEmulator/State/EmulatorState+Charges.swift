import StripeAPI

extension EmulatorState {
    func createCharge(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly([
            "amount", "currency", "source", "customer", "description", "metadata", "receipt_email", "statement_descriptor",
        ])
        let amount = try parameters.int("amount", required: true, range: 1...99_999_999)!
        let currency = try Self.currency(parameters.requiredString("currency"), param: "currency")
        let customerID = try parameters.string("customer")
        if let customerID, customers[customerID] == nil { throw .missingReference("customer", customerID, param: "customer") }
        var sourceID = try parameters.string("source")
        if let token = sourceID, token.hasPrefix("tok_") {
            sourceID = try cardSource(fromToken: token, amount: amount, currency: currency).id
        }
        if sourceID == nil, let customerID {
            sourceID = customers[customerID]?.defaultSource
            if sourceID == nil {
                throw .invalidRequest("Cannot charge a customer that has no active source.", param: "customer", code: "missing")
            }
        }
        guard let sourceID else { throw .invalidRequest("Must provide source or customer.", param: "source") }
        guard var source = sources[sourceID] else { throw .missingReference("source", sourceID, param: "source") }
        if let owner = source.customerID, owner != customerID {
            throw .invalidRequest(
                "The source \(sourceID) belongs to a customer; pass that customer to charge it.", param: "source")
        }
        if let customerID, source.customerID != nil, !(customers[customerID]?.sourceIDs.contains(sourceID) ?? false) {
            throw .invalidRequest("Customer \(customerID) does not have a linked source with ID \(sourceID).", param: "source")
        }
        guard source.status == .chargeable else {
            throw .invalidRequest(
                "The source you provided is not in a chargeable state (it is \(source.status.rawValue)).", param: "source",
                code: "source_unavailable")
        }
        if source.isSingleUse {
            guard source.amount == amount, source.currency == currency else {
                throw .invalidRequest(
                    "A single-use source can only be charged its own amount and currency (\(source.amount ?? 0) \(source.currency ?? "")).",
                    param: "amount")
            }
        }
        var charge = ChargeRecord(
            id: makeID("ch_"), created: nowSeconds, amount: amount, currency: currency, sourceID: sourceID,
            source: .null, paymentMethodID: sourceID, customerID: customerID ?? source.customerID, status: .succeeded,
            metadata: try parameters.metadata(), description: try parameters.string("description"),
            receiptEmail: try parameters.string("receipt_email", maxLength: 800), billingName: source.ownerName,
            billingEmail: source.ownerEmail)
        source.consume()
        sources[sourceID] = source
        charge.source = source.json
        switch source.chargeBehaviour {
        case .succeeds:
            charge.status = .succeeded
        case .declines:
            charge.status = .failed
            charge.failureCode = "card_declined"
            charge.failureMessage = "Your card was declined."
        case .delayed(let succeeds):
            charge.status = .pending
            charge.settlement = (nowSeconds + configuration.delayedSettlementSeconds, succeeds)
        }
        charges[charge.id] = charge
        emit("charge.\(charge.status.rawValue)", object: charge.json, cause: call)
        if charge.status == .failed { throw .cardDeclined(chargeID: charge.id) }
        return charge.json
    }

    /// `source=tok_visa` on a charge: Stripe turns the token into a one-off card source.
    private func cardSource(fromToken token: String, amount: Int, currency: String) throws(APIError) -> SourceRecord {
        let card = try CardDetails(parameters: Parameters(["token": .string(token)]))
        let source = SourceRecord(
            id: makeID("src_"), created: nowSeconds, type: "card", usage: "single_use", flow: "none", status: .chargeable,
            amount: amount, currency: currency, clientSecret: makeID("src_client_secret_"), metadata: [:],
            typeDetails: card.json(threeDSecure: "optional"), chargeBehaviour: card.declines ? .declines : .succeeds)
        sources[source.id] = source
        return source
    }

    func retrieveCharge(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard let charge = charges[id] else { throw .missing("charge", id) }
        return try expansion.apply(call.parameters.expansions(), to: charge.json)
    }

    func listCharges(_ call: APICall) throws(APIError) -> JSONValue {
        var all = charges.newestFirst
        if let customer = try call.parameters.string("customer") { all = all.filter { $0.customerID == customer } }
        let page = try Page(all, id: \.id, parameters: call.parameters, resource: "charge")
        return try expansion.apply(call.parameters.expansions(), to: page.json(url: "/v1/charges") { $0.json })
    }
}

extension SourceRecord {
    /// A source with only what a token-made card source needs.
    init(
        id: String, created: Int, type: String, usage: String, flow: String, status: Status, amount: Int?, currency: String?,
        clientSecret: String, metadata: [String: String], typeDetails: JSONValue, chargeBehaviour: ChargeBehaviour
    ) {
        self.init(
            id: id, created: created, type: type, usage: usage, flow: flow, status: status, amount: amount,
            currency: currency, clientSecret: clientSecret, ownerEmail: nil, ownerName: nil, returnURL: nil,
            redirectURL: nil, redirectStatus: nil, redirectFailureReason: nil, metadata: metadata, customerID: nil,
            statementDescriptor: nil, typeDetails: typeDetails, chargeBehaviour: chargeBehaviour)
    }
}
