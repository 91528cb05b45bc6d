extension StripeClient {
    /// `POST /v1/customers`.
    public func createCustomer(_ parameters: FormValue, idempotencyKey: String? = nil) async throws -> Customer {
        try await send(.post, "/v1/customers", parameters: parameters, idempotencyKey: idempotencyKey)
    }

    /// `GET /v1/customers/{id}`.
    public func retrieveCustomer(_ id: String) async throws -> Customer {
        try await send(.get, "/v1/customers/\(Self.pathSegment(id))")
    }

    /// `POST /v1/customers/{id}/sources`: attaches a reusable source so that it can be charged again.
    public func attachSource(customerID: String, sourceID: String, idempotencyKey: String? = nil) async throws
        -> Source
    {
        try await send(
            .post, "/v1/customers/\(Self.pathSegment(customerID))/sources", parameters: ["source": .string(sourceID)],
            idempotencyKey: idempotencyKey)
    }

    /// `POST /v1/sources`.
    public func createSource(_ parameters: FormValue, idempotencyKey: String? = nil) async throws -> Source {
        try await send(.post, "/v1/sources", parameters: parameters, idempotencyKey: idempotencyKey)
    }

    /// `GET /v1/sources/{id}` (a publishable key must pass the source's `client_secret`).
    public func retrieveSource(_ id: String, clientSecret: String? = nil) async throws -> Source {
        let parameters: FormValue = clientSecret.map { ["client_secret": .string($0)] } ?? .empty
        return try await send(.get, "/v1/sources/\(Self.pathSegment(id))", parameters: parameters)
    }

    /// `POST /v1/charges`. Pass the order id as `idempotencyKey` so that the order is charged at most once.
    public func createCharge(_ parameters: FormValue, idempotencyKey: String? = nil) async throws -> Charge {
        try await send(.post, "/v1/charges", parameters: parameters, idempotencyKey: idempotencyKey)
    }

    /// `GET /v1/charges/{id}`.
    public func retrieveCharge(_ id: String) async throws -> Charge {
        try await send(.get, "/v1/charges/\(Self.pathSegment(id))")
    }
}
