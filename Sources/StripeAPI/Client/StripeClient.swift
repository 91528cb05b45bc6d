public import Foundation
public import Logging
import Tracing

/// A facade over the Stripe API: authentication, the pinned version, idempotency keys, retries with
/// backoff, typed errors and decoding. The transport, the sleep, the jitter and key generation are
/// injected, so tests run it without a network or real waits.
public struct StripeClient: Sendable {
    public let configuration: StripeClientConfiguration
    let transport: any StripeTransport
    let logger: Logger
    let sleep: @Sendable (Duration) async throws -> Void
    let jitter: @Sendable () -> Double
    let makeIdempotencyKey: @Sendable () -> String
    /// The connected account every request acts on (`Stripe-Account`); nil: the platform's own account.
    public private(set) var account: String?

    public init(
        configuration: StripeClientConfiguration,
        transport: any StripeTransport = AsyncHTTPClientTransport(),
        logger: Logger = Logger(label: "stripe.client"),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        makeIdempotencyKey: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }
    ) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        self.sleep = sleep
        self.jitter = jitter
        self.makeIdempotencyKey = makeIdempotencyKey
    }

    /// Sends one API call and decodes the answer as `Response`.
    ///
    /// GET and DELETE carry `parameters` in the query; POST in a form body, with `idempotencyKey` (or a
    /// generated one) kept the same across every retry of this call.
    public func send<Response: Decodable>(
        _ method: StripeHTTPMethod, _ path: String, parameters: FormValue = .empty, idempotencyKey: String? = nil,
        as type: Response.Type = Response.self
    ) async throws -> Response {
        let response = try await sendRaw(method, path, parameters: parameters, idempotencyKey: idempotencyKey)
        do {
            return try JSONDecoder().decode(type, from: Data(response.body))
        } catch {
            throw StripeClientError.invalidResponse(
                status: response.status, requestID: response.header("request-id"),
                reason: "cannot decode \(Response.self): \(error)")
        }
    }

    /// Sends one API call, decodes the answer, and keeps the raw body (for a stored copy of the object).
    public func sendKeepingBody<Response: Decodable>(
        _ method: StripeHTTPMethod, _ path: String, parameters: FormValue = .empty, as type: Response.Type = Response.self
    ) async throws -> (value: Response, body: [UInt8]) {
        let response = try await sendRaw(method, path, parameters: parameters)
        do {
            return (try JSONDecoder().decode(type, from: Data(response.body)), response.body)
        } catch {
            throw StripeClientError.invalidResponse(
                status: response.status, requestID: response.header("request-id"),
                reason: "cannot decode \(Response.self): \(error)")
        }
    }

    /// Sends one API call and returns the successful response undecoded; error answers throw `StripeError`.
    /// One span (`stripe.request`) covers the call, its pacing and its retries; each attempt carries the
    /// span's W3C trace context (`AsyncHTTPClientTransport`).
    public func sendRaw(
        _ method: StripeHTTPMethod, _ path: String, parameters: FormValue = .empty, idempotencyKey: String? = nil,
        jsonBody: JSONValue? = nil
    ) async throws -> StripeHTTPResponse {
        try await withSpan("stripe.request", ofKind: .client) { span in
            span.attributes["http.request.method"] = method.rawValue
            span.attributes["stripe.path"] = path
            if let account { span.attributes["stripe.account"] = account }
            do {
                let response = try await sendWithRetries(
                    method, path, parameters: parameters, idempotencyKey: idempotencyKey, jsonBody: jsonBody, span: span)
                span.attributes["http.response.status_code"] = response.status
                span.attributes["stripe.request_id"] = response.header("request-id") ?? ""
                return response
            } catch {
                if let error = error as? StripeError { span.attributes["http.response.status_code"] = error.httpStatus }
                span.setStatus(SpanStatus(code: .error))
                throw error
            }
        }
    }

    private func sendWithRetries(
        _ method: StripeHTTPMethod, _ path: String, parameters: FormValue, idempotencyKey: String?, jsonBody: JSONValue?,
        span: any Span
    ) async throws -> StripeHTTPResponse {
        let key = method == .post ? (idempotencyKey ?? makeIdempotencyKey()) : nil
        var request = makeRequest(method, path, parameters: parameters, idempotencyKey: key)
        if let jsonBody {
            // The v2 API (`/v2/...`) takes JSON bodies.
            request.headers.removeAll { $0.name == "Content-Type" }
            request.headers.append(("Content-Type", "application/json"))
            request.body = jsonBody.serializedBytes()
        }
        let policy = configuration.retryPolicy
        var retries = 0, rateLimited = 0
        while true {
            var retryAfter: String?
            var wasRateLimited = false
            do {
                try await configuration.pacer?.acquire()
                let response = try await transport.send(request, timeout: configuration.timeout)
                if (200..<300).contains(response.status) {
                    logger.debug(
                        "stripe request succeeded",
                        metadata: [
                            "stripe.method": "\(method.rawValue)", "stripe.path": "\(path)",
                            "stripe.request_id": "\(response.header("request-id") ?? "-")", "stripe.retries": "\(retries)",
                        ])
                    return response
                }
                let error = stripeError(from: response, idempotencyKey: key)
                let outcome = RetryPolicy.Outcome.response(
                    status: response.status, shouldRetryHeader: response.header("stripe-should-retry"))
                retryAfter = response.header("retry-after")
                guard policy.shouldRetry(outcome, retriesSoFar: retries, rateLimitedSoFar: rateLimited) else { throw error }
                wasRateLimited = response.status == 429
                logger.debug(
                    "stripe request failed, retrying",
                    metadata: ["stripe.path": "\(path)", "stripe.status": "\(response.status)", "stripe.retries": "\(retries)"])
            } catch let error as StripeTransportError {
                guard policy.shouldRetry(.transportFailure(error), retriesSoFar: retries, rateLimitedSoFar: rateLimited) else {
                    throw StripeClientError.transport(error, attempts: retries + 1)
                }
                logger.debug("stripe transport failure, retrying", metadata: ["stripe.path": "\(path)", "error": "\(error)"])
            }
            retries += 1
            span.attributes["stripe.retries"] = retries
            if wasRateLimited { rateLimited += 1 }
            // Each kind of failure backs off on its own count: a 429 after two 503s waits as a first 429.
            let attempt = wasRateLimited ? rateLimited : retries - rateLimited
            try await sleep(policy.delay(beforeRetry: attempt, retryAfterHeader: retryAfter, jitter: jitter()))
        }
    }

    /// This client acting on a connected account (Connect): every request carries `Stripe-Account`, so an
    /// object of that account is found and what is made belongs to it. `nil` acts on the platform.
    public func onAccount(_ account: String?) -> StripeClient {
        var client = self
        client.account = account
        return client
    }

    func makeRequest(
        _ method: StripeHTTPMethod, _ path: String, parameters: FormValue, idempotencyKey: String?
    ) -> StripeHTTPRequest {
        let encoded = FormEncoder.encode(parameters)
        var url = configuration.apiBase + path
        var headers: [(name: String, value: String)] = [
            ("Authorization", "Bearer \(configuration.apiKey)"),
            ("Stripe-Version", configuration.apiVersion),
            ("User-Agent", "StripeFulfillment/0.1 (Swift)"),
            ("Accept", "application/json"),
        ]
        var body: [UInt8]?
        if method == .post {
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            body = Array(encoded.utf8)
        } else if !encoded.isEmpty {
            url += "?" + encoded
        }
        if let idempotencyKey {
            headers.append(("Idempotency-Key", idempotencyKey))
        }
        if let account {
            headers.append(("Stripe-Account", account))
        }
        return StripeHTTPRequest(method: method, url: url, headers: headers, body: body)
    }

    func stripeError(from response: StripeHTTPResponse, idempotencyKey: String?) -> any Error {
        let requestID = response.header("request-id")
        guard let envelope = try? JSONDecoder().decode(StripeErrorEnvelope.self, from: Data(response.body)) else {
            return StripeClientError.invalidResponse(
                status: response.status, requestID: requestID, reason: "error without Stripe's error envelope")
        }
        return StripeError(
            httpStatus: response.status, details: envelope.error, requestID: requestID, idempotencyKey: idempotencyKey)
    }

    /// `id` made safe as one path segment (ids can come from untrusted input such as a landing page's query).
    public static func pathSegment(_ id: String) -> String {
        FormEncoder.escape(id, isKey: false)
    }
}
