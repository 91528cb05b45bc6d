extension StripeClient {
    /// `POST /v1/products`.
    public func createProduct(_ parameters: FormValue, idempotencyKey: String? = nil) async throws -> Product {
        try await send(.post, "/v1/products", parameters: parameters, idempotencyKey: idempotencyKey)
    }

    /// `GET /v1/products/{id}`.
    public func retrieveProduct(_ id: String) async throws -> Product {
        try await send(.get, "/v1/products/\(Self.pathSegment(id))")
    }

    /// `POST /v1/prices`.
    public func createPrice(_ parameters: FormValue, idempotencyKey: String? = nil) async throws -> Price {
        try await send(.post, "/v1/prices", parameters: parameters, idempotencyKey: idempotencyKey)
    }

    /// `GET /v1/prices/{id}`.
    public func retrievePrice(_ id: String, expand: [String] = []) async throws -> Price {
        try await send(.get, "/v1/prices/\(Self.pathSegment(id))", parameters: Self.expansion(expand))
    }
}
