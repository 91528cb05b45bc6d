import StripeAPI

/// Stripe Billing's API: subscriptions (create, retrieve, list, update, cancel), invoices (retrieve, list, pay),
/// test clocks and billing portal sessions. What happens over time is `EmulatorState+Billing`.
extension EmulatorState {
    func createSubscription(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly([
            "customer", "items", "default_payment_method", "trial_period_days", "metadata", "payment_behavior", "expand",
            "collection_method", "cancel_at_period_end",
        ])
        let customerID = try parameters.requiredString("customer")
        guard customers[customerID] != nil else { throw .missingReference("customer", customerID, param: "customer") }
        guard let lines = try parameters.objects("items"), !lines.isEmpty else {
            throw .invalidRequest("Missing required param: items.", param: "items")
        }
        var items: [(price: String, quantity: Int)] = []
        for line in lines {
            try line.allowOnly(["price", "quantity"])
            items.append((try line.requiredString("price"), try line.int("quantity", range: 1...10_000) ?? 1))
        }
        let subscription = try startSubscription(
            customerID: customerID, items: items, trialDays: try parameters.int("trial_period_days", range: 1...730),
            paymentMethod: try parameters.string("default_payment_method"), metadata: try parameters.metadata(), cause: call)
        if try parameters.bool("cancel_at_period_end") == true {
            subscriptions[subscription.id]?.cancelAtPeriodEnd = true
        }
        return try subscriptionJSON(subscriptions[subscription.id]!, expansions: parameters.expansions())
    }

    func retrieveSubscription(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard let subscription = subscriptions[id] else { throw .missing("subscription", id) }
        return try subscriptionJSON(subscription, expansions: call.parameters.expansions())
    }

    /// `GET /v1/subscriptions`: by `customer`, `price`, `status` (`all` includes canceled ones; the default leaves
    /// them out, as Stripe does) and `test_clock`.
    func listSubscriptions(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        var all = subscriptions.newestFirst
        if let customer = try parameters.string("customer") { all = all.filter { $0.customerID == customer } }
        if let price = try parameters.string("price") { all = all.filter { $0.items.contains { $0.priceID == price } } }
        if let clock = try parameters.string("test_clock") { all = all.filter { $0.testClockID == clock } }
        switch try parameters.string("status") {
        case nil: all = all.filter { $0.status != .canceled && $0.status != .incompleteExpired }
        case "all": break
        case let status?: all = all.filter { $0.status.rawValue == status }
        }
        return try Page(all, id: \.id, parameters: parameters, resource: "subscription")
            .json(url: "/v1/subscriptions") { $0.json(prices: priceJSON) }
    }

    /// `POST /v1/subscriptions/{id}`: `cancel_at_period_end`, a new price for an item (billed from the next
    /// period: no proration), the default payment method, metadata.
    func updateSubscription(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard var subscription = subscriptions[id] else { throw .missing("subscription", id) }
        let parameters = call.parameters
        try parameters.allowOnly(["cancel_at_period_end", "items", "default_payment_method", "metadata", "proration_behavior", "expand"])
        guard subscription.status != .canceled, subscription.status != .incompleteExpired else {
            throw .invalidRequest("A canceled subscription can only update its cancellation_details and metadata.", code: "resource_missing")
        }
        if let cancel = try parameters.bool("cancel_at_period_end") { subscription.cancelAtPeriodEnd = cancel }
        for line in try parameters.objects("items") ?? [] {
            try line.allowOnly(["id", "price", "quantity"])
            let itemID = try line.requiredString("id")
            guard let index = subscription.items.firstIndex(where: { $0.id == itemID }) else {
                throw .invalidRequest("No such subscription item: '\(itemID)'", param: "items", code: "resource_missing")
            }
            if let priceID = try line.string("price") {
                guard let price = prices[priceID], let recurring = price.recurring else {
                    throw .invalidRequest("The price \(priceID) is not a recurring price.", param: "items")
                }
                guard recurring == subscription.interval else {
                    throw .invalidRequest("All prices on a subscription must have the same recurring interval.", param: "items")
                }
                subscription.items[index].priceID = priceID
            }
            if let quantity = try line.int("quantity", range: 1...10_000) { subscription.items[index].quantity = quantity }
        }
        if let method = try parameters.string("default_payment_method") {
            guard paymentMethod(method) != nil else { throw .missingReference("payment_method", method, param: "default_payment_method") }
            subscription.defaultPaymentMethod = method
        }
        subscription.metadata.merge(try parameters.metadata()) { _, new in new }
        subscriptions[id] = subscription
        emit("customer.subscription.updated", object: subscription.json(prices: priceJSON), cause: call)
        return try subscriptionJSON(subscription, expansions: parameters.expansions())
    }

    /// `DELETE /v1/subscriptions/{id}`: canceled at once.
    func cancelSubscription(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard subscriptions[id] != nil else { throw .missing("subscription", id) }
        try call.parameters.allowOnly(["invoice_now", "prorate", "cancellation_details"])
        guard try end(id, reason: "cancellation_requested", at: billingNow(subscriptions[id]!.testClockID), cause: call) else {
            throw .invalidRequest("This subscription is already canceled.", code: "resource_missing")
        }
        return subscriptions[id]!.json(prices: priceJSON)
    }

    func retrieveInvoice(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard let invoice = invoices[id] else { throw .missing("invoice", id) }
        return try expansion.apply(call.parameters.expansions(), to: invoice.json(prices: priceJSON))
    }

    func listInvoices(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        var all = invoices.newestFirst
        if let customer = try parameters.string("customer") { all = all.filter { $0.customerID == customer } }
        if let subscription = try parameters.string("subscription") { all = all.filter { $0.subscriptionID == subscription } }
        if let status = try parameters.string("status") { all = all.filter { $0.status.rawValue == status } }
        if let created = parameters.form["created"] {
            let bounds = try Self.timeBounds(created, param: "created")
            all = all.filter { bounds.lower <= $0.created && $0.created <= bounds.upper }
        }
        return try Page(all, id: \.id, parameters: parameters, resource: "invoice").json(url: "/v1/invoices") { $0.json(prices: priceJSON) }
    }

    /// `POST /v1/invoices/{id}/pay` (the customer paid the hosted invoice page, or the merchant retried with
    /// another `payment_method`).
    func payInvoice(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard let invoice = invoices[id] else { throw .missing("invoice", id) }
        try call.parameters.allowOnly(["payment_method", "expand"])
        guard invoice.status == .open else {
            throw .invalidRequest("Invoice is already \(invoice.status.rawValue).", code: "invoice_not_open")
        }
        let method = try call.parameters.string("payment_method")
        if let method, paymentMethod(method) == nil { throw .missingReference("payment_method", method, param: "payment_method") }
        if !attemptPayment(of: id, with: method, at: billingNow(invoice.testClockID), manual: true) {
            throw .cardDeclined(chargeID: invoices[id]?.chargeID ?? "")
        }
        return invoices[id]!.json(prices: priceJSON)
    }

    func createTestClock(_ call: APICall) throws(APIError) -> JSONValue {
        try call.parameters.allowOnly(["frozen_time", "name"])
        let frozen = try call.parameters.int("frozen_time", required: true, range: 0...9_999_999_999)!
        let clock = TestClockRecord(id: makeID("clock_"), created: nowSeconds, frozenTime: frozen, name: try call.parameters.string("name"))
        testClocks[clock.id] = clock
        return clock.json
    }

    func retrieveTestClock(_ id: String) throws(APIError) -> JSONValue {
        guard let clock = testClocks[id] else { throw .missing("test_helpers.test_clock", id) }
        return clock.json
    }

    /// `POST .../test_clocks/{id}/advance`: moves the clock to `frozen_time` and runs, in time order, every
    /// renewal, finalization, payment attempt and end its subscriptions reach; their events are dated then.
    func advanceTestClock(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard var clock = testClocks[id] else { throw .missing("test_helpers.test_clock", id) }
        try call.parameters.allowOnly(["frozen_time"])
        let target = try call.parameters.int("frozen_time", required: true, range: 0...9_999_999_999)!
        guard target > clock.frozenTime else {
            throw .invalidRequest("The test clock can only move forward (frozen_time must be after \(clock.frozenTime)).", param: "frozen_time")
        }
        guard target <= clock.frozenTime + 2 * 365 * 24 * 3600 else {
            throw .invalidRequest("A test clock advances at most two years at a time.", param: "frozen_time")
        }
        runBilling(upTo: target, clock: id)
        clock.frozenTime = target
        testClocks[id] = clock
        emit("test_helpers.test_clock.ready", object: clock.json, cause: call)
        return clock.json
    }

    /// `POST /v1/billing_portal/sessions`: where the customer manages their subscriptions (a hosted page).
    func createBillingPortalSession(_ call: APICall) throws(APIError) -> JSONValue {
        try call.parameters.allowOnly(["customer", "return_url", "locale"])
        let customerID = try call.parameters.requiredString("customer")
        guard customers[customerID] != nil else { throw .missingReference("customer", customerID, param: "customer") }
        let id = makeID("bps_")
        portalSessions[id] = (customerID, try call.parameters.string("return_url"))
        return [
            "id": .string(id), "object": "billing_portal.session", "created": .int(nowSeconds), "customer": .string(customerID),
            "livemode": false, "locale": .string(try call.parameters.string("locale")), "return_url": .string(try call.parameters.string("return_url")),
            "url": .string("\(call.baseURL)/p/session/\(id)"), "configuration": "bpc_emulator_default", "on_behalf_of": nil, "flow": nil,
        ]
    }

    /// The billing portal's page: the customer's live subscriptions, each with its period and what it costs.
    func portalView(_ sessionID: String) -> (customer: String, returnURL: String?, subscriptions: [SubscriptionRecord])? {
        guard let portal = portalSessions[sessionID] else { return nil }
        let mine = subscriptions.oldestFirst.filter { $0.customerID == portal.customer && $0.status != .incompleteExpired }
        return (portal.customer, portal.returnURL, mine)
    }

    /// What the customer does in the portal: cancel at period end, take that back, or cancel now.
    func portalAction(_ sessionID: String, subscription id: String, action: String) throws(APIError) {
        guard let portal = portalSessions[sessionID], var subscription = subscriptions[id], subscription.customerID == portal.customer else {
            throw .missing("subscription", id)
        }
        // The page is the customer's: what it changes belongs to the subscription's account (Connect).
        let scope = AccountScope.of(subscriptions.owner(of: id))
        switch action {
        case "cancel_at_period_end", "renew":
            subscription.cancelAtPeriodEnd = action == "cancel_at_period_end"
            subscriptions[id] = subscription
            AccountScope.$current.withValue(scope) {
                emit("customer.subscription.updated", object: subscription.json(prices: priceJSON), cause: nil)
            }
        case "cancel_now":
            let at = billingNow(subscription.testClockID)
            _ = AccountScope.$current.withValue(scope) { end(id, reason: "cancellation_requested", at: at, cause: nil) }
        default:
            throw .invalidRequest("Unknown portal action.", param: "action")
        }
    }

    func subscriptionJSON(_ subscription: SubscriptionRecord, expansions: [String]) throws(APIError) -> JSONValue {
        try expansion.apply(expansions, to: subscription.json(prices: priceJSON))
    }

    func priceJSON(_ id: String) -> JSONValue { prices[id]?.json ?? .string(id) }
}
