extension StripeClient {
    /// `GET /v1/events/{id}`.
    public func retrieveEvent(_ id: String) async throws -> Event {
        try await send(.get, "/v1/events/\(Self.pathSegment(id))")
    }

    /// One page of `GET /v1/events` with filters such as `["type": "checkout.session.*"]`,
    /// `["delivery_success": "false"]` or `["created": ["gte": 1700000000]]`.
    public func listEvents(_ filters: FormValue = .empty) async throws -> StripeList<Event> {
        try await send(.get, "/v1/events", parameters: filters)
    }

    /// Every event matching `filters`, newest first, paging as it is iterated.
    public func events(_ filters: FormValue = .empty, pageSize: Int = 100) -> AutoPagingSequence<Event> {
        AutoPagingSequence { startingAfter in
            var page = filters.setting("limit", .int(pageSize))
            if let startingAfter { page = page.setting("starting_after", .string(startingAfter)) }
            return try await listEvents(page)
        }
    }

    /// `POST /v1/webhook_endpoints`; the answer carries the endpoint's signing `secret`.
    public func createWebhookEndpoint(url: String, enabledEvents: [String] = ["*"], connect: Bool = false) async throws -> WebhookEndpoint {
        var parameters: FormValue = ["url": .string(url), "enabled_events": .array(enabledEvents.map { .string($0) })]
        if connect { parameters = parameters.setting("connect", "true") }
        return try await send(.post, "/v1/webhook_endpoints", parameters: parameters)
    }

    /// `GET /v1/webhook_endpoints` (first page).
    public func listWebhookEndpoints() async throws -> StripeList<WebhookEndpoint> {
        try await send(.get, "/v1/webhook_endpoints")
    }

    /// Every webhook endpoint of the account, page by page.
    public func webhookEndpoints(pageSize: Int = 100) -> AutoPagingSequence<WebhookEndpoint> {
        AutoPagingSequence { startingAfter in
            var page: FormValue = ["limit": .int(pageSize)]
            if let startingAfter { page = page.setting("starting_after", .string(startingAfter)) }
            return try await send(.get, "/v1/webhook_endpoints", parameters: page)
        }
    }

    /// `POST /v1/webhook_endpoints/{id}` with the events it should receive (its URL and secret stay).
    public func updateWebhookEndpoint(_ id: String, enabledEvents: [String]) async throws -> WebhookEndpoint {
        try await send(
            .post, "/v1/webhook_endpoints/\(Self.pathSegment(id))",
            parameters: ["enabled_events": .array(enabledEvents.map { .string($0) })])
    }

    /// `DELETE /v1/webhook_endpoints/{id}`.
    public func deleteWebhookEndpoint(_ id: String) async throws -> DeletedObject {
        try await send(.delete, "/v1/webhook_endpoints/\(Self.pathSegment(id))")
    }
}
