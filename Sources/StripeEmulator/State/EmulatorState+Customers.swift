import StripeAPI

extension EmulatorState {
    func createCustomer(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly(["email", "name", "description", "metadata", "source", "test_clock", "payment_method", "invoice_settings"])
        var customer = CustomerRecord(
            id: makeID("cus_", length: 14), created: nowSeconds, email: try parameters.string("email", maxLength: 512),
            name: try parameters.string("name", maxLength: 256), description: try parameters.string("description"),
            metadata: try parameters.metadata())
        if let clock = try parameters.string("test_clock") {
            guard testClocks[clock] != nil else { throw .missingReference("test_helpers.test_clock", clock, param: "test_clock") }
            customer.testClockID = clock
        }
        customers[customer.id] = customer
        var attached: (given: String, id: String)?
        if let method = try parameters.string("payment_method") {
            attached = (method, try attachPaymentMethod(method, toCustomer: customer.id))
        }
        if let method = try parameters.object("invoice_settings")?.string("default_payment_method") {
            // The method just attached, named as given (a test id names the PaymentMethod made from it).
            try setDefaultPaymentMethod(attached?.given == method ? attached!.id : method, of: customer.id)
        }
        customer = customers[customer.id]!
        customers[customer.id] = customer
        emit("customer.created", object: customer.json, cause: call)
        if let sourceID = try parameters.string("source") {
            _ = try attach(sourceID: sourceID, to: customer.id, call: call, param: "source")
            customer = customers[customer.id]!
        }
        return customer.json
    }

    /// `POST /v1/customers/{id}`: email, name, metadata, `invoice_settings[default_payment_method]`.
    func updateCustomer(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard var customer = customers[id] else { throw .missing("customer", id) }
        let parameters = call.parameters
        try parameters.allowOnly(["email", "name", "description", "metadata", "invoice_settings"])
        if let email = try parameters.string("email", maxLength: 512) { customer.email = email }
        if let name = try parameters.string("name", maxLength: 256) { customer.name = name }
        if let description = try parameters.string("description") { customer.description = description }
        customer.metadata.merge(try parameters.metadata()) { _, new in new }
        customers[id] = customer
        if let method = try parameters.object("invoice_settings")?.string("default_payment_method") {
            try setDefaultPaymentMethod(method, of: id)
        }
        emit("customer.updated", object: customers[id]!.json, cause: call)
        return customers[id]!.json
    }

    /// The customer's default for invoices: a payment method attached to it (a test id is attached on the way).
    func setDefaultPaymentMethod(_ methodID: String, of customerID: String) throws(APIError) {
        guard let method = paymentMethod(methodID) else {
            throw .missingReference("payment_method", methodID, param: "invoice_settings[default_payment_method]")
        }
        var methodID = methodID
        if method.customerID == nil { methodID = try attachPaymentMethod(methodID, toCustomer: customerID) }
        guard paymentMethods[methodID]?.customerID == customerID else {
            throw .invalidRequest(
                "The payment method \(methodID) is attached to another customer.", param: "invoice_settings[default_payment_method]")
        }
        customers[customerID]?.defaultPaymentMethod = methodID
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
