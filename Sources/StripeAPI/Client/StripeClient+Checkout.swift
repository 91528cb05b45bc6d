extension StripeClient {
    /// `POST /v1/checkout/sessions`.
    public func createCheckoutSession(_ parameters: FormValue, idempotencyKey: String? = nil) async throws
        -> CheckoutSession
    {
        try await send(.post, "/v1/checkout/sessions", parameters: parameters, idempotencyKey: idempotencyKey)
    }

    /// `GET /v1/checkout/sessions/{id}`, with `expand[]` (for example `line_items`).
    public func retrieveCheckoutSession(_ id: String, expand: [String] = []) async throws -> CheckoutSession {
        try await send(.get, "/v1/checkout/sessions/\(Self.pathSegment(id))", parameters: Self.expansion(expand))
    }

    /// One page of `GET /v1/checkout/sessions/{id}/line_items`.
    public func listCheckoutSessionLineItems(
        _ id: String, limit: Int? = nil, startingAfter: String? = nil, expand: [String] = []
    ) async throws -> StripeList<LineItem> {
        try await send(
            .get, "/v1/checkout/sessions/\(Self.pathSegment(id))/line_items",
            parameters: Self.page(limit: limit, startingAfter: startingAfter, expand: expand))
    }

    /// Every line item of a session, paging with `starting_after` (`expand` applies to each item, such as
    /// `data.price.product`).
    public func checkoutSessionLineItems(_ id: String, pageSize: Int = 100, expand: [String] = [])
        -> AutoPagingSequence<LineItem>
    {
        AutoPagingSequence { startingAfter in
            try await listCheckoutSessionLineItems(id, limit: pageSize, startingAfter: startingAfter, expand: expand)
        }
    }

    /// `POST /v1/checkout/sessions/{id}/expire`: ends an open session.
    public func expireCheckoutSession(_ id: String) async throws -> CheckoutSession {
        try await send(.post, "/v1/checkout/sessions/\(Self.pathSegment(id))/expire")
    }

    static func expansion(_ expand: [String]) -> FormValue {
        expand.isEmpty ? .empty : ["expand": .array(expand.map { .string($0) })]
    }

    static func page(limit: Int?, startingAfter: String?, expand: [String] = []) -> FormValue {
        var fields: [FormField] = []
        if let limit { fields.append(FormField("limit", .int(limit))) }
        if let startingAfter { fields.append(FormField("starting_after", .string(startingAfter))) }
        if !expand.isEmpty { fields.append(FormField("expand", .array(expand.map { .string($0) }))) }
        return .object(fields)
    }
}
