import StripeAPI

extension EmulatorState {
    func createCustomer(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly(["email", "name", "description", "metadata", "source"])
        var customer = CustomerRecord(
            id: makeID("cus_", length: 14), created: nowSeconds, email: try parameters.string("email", maxLength: 512),
            name: try parameters.string("name", maxLength: 256), description: try parameters.string("description"),
            metadata: try parameters.metadata())
        customers[customer.id] = customer
        emit("customer.created", object: customer.json, cause: call)
        if let sourceID = try parameters.string("source") {
            _ = try attach(sourceID: sourceID, to: customer.id, call: call, param: "source")
            customer = customers[customer.id]!
        }
        return customer.json
    }

    func retrieveCustomer(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard let customer = customers[id] else { throw .missing("customer", id) }
        return try expansion.apply(call.parameters.expansions(), to: customer.json)
    }

    /// `POST /v1/customers/{id}/sources`: keeps a reusable source for later charges.
    func attachSource(customerID: String, _ call: APICall) throws(APIError) -> JSONValue {
        try call.parameters.allowOnly(["source", "metadata"])
        return try attach(sourceID: call.parameters.requiredString("source"), to: customerID, call: call, param: "source")
    }

    private func attach(sourceID: String, to customerID: String, call: APICall, param: String) throws(APIError) -> JSONValue {
        guard customers[customerID] != nil else { throw .missing("customer", customerID) }
        guard var source = sources[sourceID] else { throw .missingReference("source", sourceID, param: param) }
        if let owner = source.customerID, owner != customerID {
            throw .invalidRequest("The source \(sourceID) is already attached to another customer.", param: param)
        }
        guard !source.isSingleUse else {
            throw .invalidRequest(
                "Single-use sources cannot be attached to a customer; charge them directly instead.", param: param)
        }
        guard source.status == .chargeable else {
            throw .invalidRequest(
                "The source \(sourceID) is \(source.status.rawValue); only chargeable sources can be attached.", param: param,
                code: "source_unavailable")
        }
        source.customerID = customerID
        sources[sourceID] = source
        customers[customerID]?.sourceIDs.append(sourceID)
        if customers[customerID]?.defaultSource == nil { customers[customerID]?.defaultSource = sourceID }
        emit("customer.source.created", object: source.json, cause: call)
        return source.json
    }
}
