/// How to reach Stripe. Built by the composition root from settings; never read from the environment here.
public struct StripeClientConfiguration: Sendable {
    /// The API version every request pins (the spec this project is written against).
    public static let pinnedAPIVersion = "2023-08-16"

    /// `sk_test_...` or `sk_live_...` (or `pk_...` for the calls a browser may make).
    public var apiKey: String
    /// `https://api.stripe.com`, or the emulator's address.
    public var apiBase: String
    public var apiVersion: String
    /// The deadline for one attempt.
    public var timeout: Duration
    public var retryPolicy: RetryPolicy

    public init(
        apiKey: String, apiBase: String = "https://api.stripe.com", apiVersion: String = Self.pinnedAPIVersion,
        timeout: Duration = .seconds(30), retryPolicy: RetryPolicy = RetryPolicy()
    ) {
        self.apiKey = apiKey
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.apiVersion = apiVersion
        self.timeout = timeout
        self.retryPolicy = retryPolicy
    }
}
