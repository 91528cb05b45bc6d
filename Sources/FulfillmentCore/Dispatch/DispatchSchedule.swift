public import Foundation
import StripeAPI

/// When a failed dispatch is tried again: exponential backoff up to `cap`, for `window` after it was queued
/// (three days, as Stripe retries a webhook endpoint), then never: it is parked as dead.
public struct DispatchSchedule: Sendable, Hashable {
    public var base: Duration
    public var cap: Duration
    public var window: Duration

    public init(base: Duration = .seconds(30), cap: Duration = .seconds(3600), window: Duration = .seconds(3 * 24 * 3600)) {
        self.base = base
        self.cap = cap
        self.window = window
    }

    /// The next attempt after `attempts` failures of a dispatch queued at `createdAt`, or `nil` once the retry
    /// window has passed at `now`.
    public func retryAt(afterAttempts attempts: Int, createdAt: Date, now: Date) -> Date? {
        let deadline = createdAt.addingTimeInterval(window.seconds)
        guard now < deadline else { return nil }
        let wait = min(base * (1 << max(0, min(attempts - 1, 30))), cap)
        return min(now.addingTimeInterval(wait.seconds), deadline)
    }
}
