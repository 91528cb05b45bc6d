/// When and how long to wait before retrying a Stripe request, as the official SDKs do.
///
/// Retried: network errors and timeouts, 409 (a conflicting concurrent request), 5xx, and 429 (rate limited,
/// as stripe-go does; with a budget of its own, `maxRateLimitRetries`, since a busy account sees it in bursts).
/// A `Stripe-Should-Retry` header overrides the status.
/// The wait is `min(initialDelay * 2^(n-1), maxDelay)`, jittered down to between half and all of that, never
/// below `initialDelay`, and raised to `Retry-After` when the server asks for a wait up to `maxRetryAfter`.
public struct RetryPolicy: Sendable, Hashable {
    /// Retries after the first attempt (0 disables retries).
    public var maxRetries: Int
    /// Retries of answers 429 (rate limited), counted apart from the others.
    public var maxRateLimitRetries: Int
    public var initialDelay: Duration
    public var maxDelay: Duration
    /// `Retry-After` values above this are ignored (the computed backoff applies).
    public var maxRetryAfter: Duration

    public init(
        maxRetries: Int = 2, maxRateLimitRetries: Int = 6, initialDelay: Duration = .milliseconds(500),
        maxDelay: Duration = .seconds(5), maxRetryAfter: Duration = .seconds(60)
    ) {
        self.maxRetries = maxRetries
        self.maxRateLimitRetries = maxRetries == 0 ? 0 : maxRateLimitRetries
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// What one attempt ended with.
    public enum Outcome: Sendable, Hashable {
        case response(status: Int, shouldRetryHeader: String?)
        case transportFailure(StripeTransportError)
    }

    /// Whether to try again after `retriesSoFar` retries have already been made (`rateLimitedSoFar` of them
    /// after a 429).
    public func shouldRetry(_ outcome: Outcome, retriesSoFar: Int, rateLimitedSoFar: Int = 0) -> Bool {
        switch outcome {
        case .transportFailure:
            return retriesSoFar - rateLimitedSoFar < maxRetries
        case .response(429, let shouldRetryHeader):
            return shouldRetryHeader != "false" && rateLimitedSoFar < maxRateLimitRetries
        case .response(let status, let shouldRetryHeader):
            guard retriesSoFar - rateLimitedSoFar < maxRetries else { return false }
            if shouldRetryHeader == "true" { return true }
            if shouldRetryHeader == "false" { return false }
            return status == 409 || status >= 500
        }
    }

    /// The wait before retry number `retry` (1 for the first retry). `jitter` is uniform in `0..<1`.
    public func delay(beforeRetry retry: Int, retryAfterHeader: String?, jitter: Double) -> Duration {
        let exponent = max(0, min(retry - 1, 30))
        let base = min(initialDelay * (1 << exponent), maxDelay)
        let jittered = max(initialDelay, base * (0.5 * (1 + min(max(jitter, 0), 1))))
        if let retryAfterHeader, let seconds = Double(retryAfterHeader.trimmingCharacters(in: " ")),
            seconds >= 0, seconds <= Double(maxRetryAfter.components.seconds)
        {
            return max(jittered, .milliseconds(Int64(seconds * 1000)))
        }
        return jittered
    }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> Substring {
        var result = self[...]
        while result.first == character { result = result.dropFirst() }
        while result.last == character { result = result.dropLast() }
        return result
    }
}
