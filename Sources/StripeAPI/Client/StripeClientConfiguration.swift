/// How to reach Stripe. Built by the composition root from settings; never read from the environment here.
public struct StripeClientConfiguration: Sendable {
    /// The API version every request pins: what stripe-python 16.1 pins. What changed for the service since
    /// 2023-08-16: a Checkout Session keeps its shipping in `collected_information.shipping_details`
    /// (2025-03-31.basil), read from either place; the events a webhook endpoint sends stay in its own version.
    public static let pinnedAPIVersion = "2026-10-28.endive"

    /// `sk_test_...` or `sk_live_...` (or `pk_...` for the calls a browser may make).
    public var apiKey: String
    /// `https://api.stripe.com`, or the emulator's address.
    public var apiBase: String
    public var apiVersion: String
    /// The deadline for one attempt.
    public var timeout: Duration
    public var retryPolicy: RetryPolicy
    /// Paces every request (retries included) under Stripe's rate limit; `nil` sends at once.
    public var pacer: RequestPacer?

    public init(
        apiKey: String, apiBase: String = "https://api.stripe.com", apiVersion: String = Self.pinnedAPIVersion,
        timeout: Duration = .seconds(30), retryPolicy: RetryPolicy = RetryPolicy(), pacer: RequestPacer? = nil
    ) {
        self.apiKey = apiKey
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.apiVersion = apiVersion
        self.timeout = timeout
        self.retryPolicy = retryPolicy
        self.pacer = pacer
    }

    /// Whether the key is a live-mode one (`sk_live_`, `rk_live_`).
    public var isLiveMode: Bool { apiKey.hasPrefix("sk_live_") || apiKey.hasPrefix("rk_live_") }

    /// Requests per second to stay under Stripe's limits by default: about 80 with a live key (Stripe allows
    /// about 100), 20 with a test key (Stripe allows about 25).
    public static func defaultMaxRequestsPerSecond(apiKey: String) -> Double {
        apiKey.hasPrefix("sk_live_") || apiKey.hasPrefix("rk_live_") ? 80 : 20
    }
}
