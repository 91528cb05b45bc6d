import Synchronization

/// Keeps every request of one client under Stripe's rate limit: a token bucket that refills at `rate` per
/// second and holds at most `burst` tokens. A caller without a token waits for the next one instead of
/// being refused, so a burst of work queues here rather than turning into 429s. Shared by everything that
/// calls Stripe through one `StripeClient` (the worker, the landing page, the status endpoint, the
/// reconciler).
///
/// Kept under Stripe's own bucket: with `rate` below the account's limit and `burst` below a second's
/// worth, no window of Stripe's sees more than it allows.
public final class RequestPacer: Sendable {
    public let rate: Double
    public let burst: Double
    private let clock = ContinuousClock()
    /// The tokens at `updatedAt`; reservations can take it below zero (callers then wait their turn).
    private let state: Mutex<(tokens: Double, updatedAt: ContinuousClock.Instant)>

    /// `rate` requests per second; `burst` at once after a quiet spell (default: a quarter second's worth).
    public init(rate: Double, burst: Double? = nil) {
        precondition(rate > 0, "a pacer needs a positive rate")
        self.rate = rate
        self.burst = max(1, burst ?? (rate / 4).rounded(.down))
        state = Mutex((max(1, burst ?? (rate / 4).rounded(.down)), ContinuousClock.now))
    }

    /// Returns when this request may go: at once if a token is there, otherwise when its reserved token
    /// comes (requests go in the order they asked).
    public func acquire() async throws {
        let wait = reserve(at: clock.now)
        if wait > .zero { try await Task.sleep(for: wait) }
    }

    /// Takes a token (possibly one not refilled yet) and says how long until it exists.
    package func reserve(at now: ContinuousClock.Instant) -> Duration {
        state.withLock { state in
            let elapsed = (now - state.updatedAt).seconds
            state.tokens = min(burst, state.tokens + max(0, elapsed) * rate)
            state.updatedAt = now
            state.tokens -= 1
            return state.tokens >= 0 ? .zero : .milliseconds(Int64((-state.tokens / rate * 1000).rounded(.up)))
        }
    }
}
