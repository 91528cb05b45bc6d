/// Stripe Billing: subscriptions, invoices, billing portal sessions.
extension StripeClient {
    /// `GET /v1/subscriptions/{id}`, with its latest invoice expanded when asked.
    public func retrieveSubscription(_ id: String) async throws -> Subscription {
        try await send(.get, "/v1/subscriptions/\(Self.pathSegment(id))")
    }

    /// `GET /v1/invoices/{id}`.
    public func retrieveInvoice(_ id: String) async throws -> Invoice {
        try await send(.get, "/v1/invoices/\(Self.pathSegment(id))")
    }

    /// A subscription's newest invoices, newest first (`GET /v1/invoices?subscription=`).
    public func listInvoices(subscription: String, limit: Int = 24) async throws -> StripeList<Invoice> {
        try await send(.get, "/v1/invoices", parameters: ["subscription": .string(subscription), "limit": .int(limit)])
    }

    /// `GET /v1/subscriptions/{id}` with each item's price and product (where its fulfilment is named).
    public func retrieveSubscriptionWithProducts(_ id: String) async throws -> Subscription {
        try await send(.get, "/v1/subscriptions/\(Self.pathSegment(id))", parameters: ["expand": ["items.data.price.product"]])
    }

    /// The Checkout Session that started a subscription, if one did (`GET /v1/checkout/sessions?subscription=`).
    public func checkoutSession(startingSubscription subscription: String) async throws -> CheckoutSession? {
        let page: StripeList<CheckoutSession> = try await send(
            .get, "/v1/checkout/sessions", parameters: ["subscription": .string(subscription), "limit": 1])
        return page.data.first
    }

    /// A page of subscriptions in any status (`status=all`), newest first, created since `createdSince`.
    public func listSubscriptions(createdSince: Int? = nil, startingAfter: String? = nil, limit: Int = 100) async throws -> StripeList<Subscription> {
        var parameters: FormValue = ["status": "all", "limit": .int(limit)]
        if let createdSince { parameters = parameters.setting("created", ["gte": .int(createdSince)]) }
        if let startingAfter { parameters = parameters.setting("starting_after", .string(startingAfter)) }
        return try await send(.get, "/v1/subscriptions", parameters: parameters)
    }

    /// `POST /v1/billing_portal/sessions`: where the customer manages their subscriptions; its URL.
    public func createBillingPortalSession(customer: String, returnURL: String?) async throws -> String {
        var parameters: FormValue = ["customer": .string(customer)]
        if let returnURL { parameters = parameters.setting("return_url", .string(returnURL)) }
        let session: BillingPortalSession = try await send(.post, "/v1/billing_portal/sessions", parameters: parameters)
        return session.url
    }
}

struct BillingPortalSession: Decodable {
    var url: String
}
