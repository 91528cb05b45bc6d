extension StripeClient {
    /// `POST /v1/payment_intents`. Pass the order id as `idempotencyKey`: one intent per order, whoever asks.
    public func createPaymentIntent(_ parameters: FormValue, idempotencyKey: String? = nil) async throws -> PaymentIntent {
        try await send(.post, "/v1/payment_intents", parameters: parameters, idempotencyKey: idempotencyKey)
    }

    /// `GET /v1/payment_intents/{id}`.
    public func retrievePaymentIntent(_ id: String) async throws -> PaymentIntent {
        try await send(.get, "/v1/payment_intents/\(Self.pathSegment(id))")
    }

    /// `POST /v1/payment_intents/{id}/confirm`: one attempt to pay, with the method given.
    public func confirmPaymentIntent(_ id: String, _ parameters: FormValue, idempotencyKey: String? = nil) async throws -> PaymentIntent {
        try await send(.post, "/v1/payment_intents/\(Self.pathSegment(id))/confirm", parameters: parameters, idempotencyKey: idempotencyKey)
    }

    /// `POST /v1/payment_intents/{id}/cancel`.
    public func cancelPaymentIntent(_ id: String, reason: String, idempotencyKey: String? = nil) async throws -> PaymentIntent {
        try await send(
            .post, "/v1/payment_intents/\(Self.pathSegment(id))/cancel", parameters: ["cancellation_reason": .string(reason)],
            idempotencyKey: idempotencyKey)
    }

    /// `GET /v1/payment_methods/{id}`.
    public func retrievePaymentMethod(_ id: String) async throws -> PaymentMethod {
        try await send(.get, "/v1/payment_methods/\(Self.pathSegment(id))")
    }
}
