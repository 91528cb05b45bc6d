import StripeAPI

/// Faults the emulator injects, set through `POST /_emulator/faults`.
struct FaultSettings: Sendable {
    /// Each delivery attempt is sent this many times.
    var duplicates = 1
    /// Deliveries are held until this many are due (or `shuffleHoldSeconds` passes), then sent in random order.
    var shuffleWindow = 0
    var shuffleHoldSeconds = 1.0
    /// Real time added before each delivery is sent.
    var deliveryDelay: Duration = .zero
    /// The first N attempts of every delivery fail without reaching the endpoint.
    var failFirst = 0
    /// The share of attempts lost in transit: never sent, never retried (the event stays undelivered).
    var dropRate = 0.0
    /// The next N API requests fail with `apiErrorStatus`.
    var apiErrorCount = 0
    /// The share of API requests that fail with `apiErrorStatus`.
    var apiErrorRate = 0.0
    var apiErrorStatus = 500
    /// Real time added to every API request (inside the idempotency window, so concurrent retries see 409).
    var apiLatency: Duration = .zero
    /// API requests allowed per second (wall clock; a bucket of one second's worth that refills steadily);
    /// past it, 429 with code `rate_limit`, as Stripe answers. 0: no limit.
    var rateLimit = 0

    mutating func update(from parameters: Parameters) throws(APIError) {
        try parameters.allowOnly([
            "reset", "duplicate", "shuffle_window", "shuffle_hold_ms", "delay_ms", "fail_first", "drop_rate",
            "api_error_count", "api_error_rate", "api_error_status", "api_latency_ms", "rate_limit",
        ])
        if try parameters.bool("reset") == true { self = FaultSettings() }
        if let value = try parameters.int("duplicate", range: 1...20) { duplicates = value }
        if let value = try parameters.int("shuffle_window", range: 0...1000) { shuffleWindow = value }
        if let value = try parameters.int("shuffle_hold_ms", range: 0...60_000) { shuffleHoldSeconds = Double(value) / 1000 }
        if let value = try parameters.int("delay_ms", range: 0...60_000) { deliveryDelay = .milliseconds(value) }
        if let value = try parameters.int("fail_first", range: 0...100) { failFirst = value }
        if let value = try Self.rate(parameters, "drop_rate") { dropRate = value }
        if let value = try parameters.int("api_error_count", range: 0...10_000) { apiErrorCount = value }
        if let value = try Self.rate(parameters, "api_error_rate") { apiErrorRate = value }
        if let value = try parameters.int("api_error_status", range: 400...599) { apiErrorStatus = value }
        if let value = try parameters.int("api_latency_ms", range: 0...60_000) { apiLatency = .milliseconds(value) }
        if let value = try parameters.int("rate_limit", range: 0...100_000) { rateLimit = value }
    }

    private static func rate(_ parameters: Parameters, _ key: String) throws(APIError) -> Double? {
        guard let text = try parameters.string(key) else { return nil }
        guard let value = Double(text), (0...1).contains(value) else {
            throw .invalidRequest("\(key) must be a number between 0 and 1.", param: key)
        }
        return value
    }

    /// Stripe's answer past the rate limit.
    static let rateLimited = APIError(
        status: 429,
        details: StripeErrorDetails(
            type: .invalidRequestError, code: "rate_limit",
            message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits."))

    /// The error an injected API fault answers with.
    var apiError: APIError {
        switch apiErrorStatus {
        case 429:
            Self.rateLimited
        case 500...:
            APIError(
                status: apiErrorStatus,
                details: StripeErrorDetails(type: .apiError, message: "An unknown error occurred (injected by the emulator)."))
        default:
            APIError(
                status: apiErrorStatus,
                details: StripeErrorDetails(type: .invalidRequestError, message: "Injected error (emulator fault)."))
        }
    }

    var json: JSONValue {
        [
            "object": "emulator.faults", "duplicate": .int(duplicates), "shuffle_window": .int(shuffleWindow),
            "shuffle_hold_ms": .int(Int(shuffleHoldSeconds * 1000)), "delay_ms": .int(Self.milliseconds(deliveryDelay)),
            "fail_first": .int(failFirst), "drop_rate": .double(dropRate), "api_error_count": .int(apiErrorCount),
            "api_error_rate": .double(apiErrorRate), "api_error_status": .int(apiErrorStatus),
            "api_latency_ms": .int(Self.milliseconds(apiLatency)), "rate_limit": .int(rateLimit),
        ]
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
