public import Foundation
import StripeAPI

/// When a failed piece of queued work (an event, an email, a dispatch) is tried again, and when it stops:
/// exponential backoff from `base` up to `cap`, until `maxAttempts` attempts have failed or `window` has
/// passed since it was queued, whichever comes first; then it is parked (`dead`) for an operator to look at
/// and replay. Every queue is claimed under a lease, counted per attempt at the claim, and retried by this
/// one type.
public struct RetrySchedule: Sendable, Hashable {
    public var base: Duration
    public var cap: Duration
    /// Attempts after which the work is parked (`nil`: no limit but the window).
    public var maxAttempts: Int?
    /// How long after it was queued the work is still tried (`nil`: no limit but the attempts).
    public var window: Duration?

    public init(base: Duration, cap: Duration, maxAttempts: Int? = nil, window: Duration? = nil) {
        precondition(maxAttempts != nil || window != nil, "a retry schedule ends: by attempts, by a window, or both")
        self.base = base
        self.cap = cap
        self.maxAttempts = maxAttempts
        self.window = window
    }

    /// Stripe's events: Stripe is asked again within seconds, and an event that fails ten times is parked.
    public static let events = RetrySchedule(base: .seconds(2), cap: .seconds(600), maxAttempts: 10)

    /// An event about an order not known yet (it may be about to be recorded): fewer tries before it is
    /// parked as `orphaned`.
    public static let orphanedEvents = RetrySchedule(base: .seconds(2), cap: .seconds(600), maxAttempts: 6)

    /// What goes out (customers' emails, merchant notifications, action effects): backoff up to an hour, for
    /// three days after it was queued (as Stripe retries a webhook endpoint), then parked as dead.
    public static let outgoing = RetrySchedule(base: .seconds(30), cap: .seconds(3600), window: .seconds(3 * 24 * 3600))

    /// The wait after `attempts` failed attempts.
    public func delay(afterAttempts attempts: Int) -> Duration {
        min(base * (1 << max(0, min(attempts - 1, 30))), cap)
    }

    /// The next attempt after `attempts` failures of work queued at `queuedAt`, or `nil` when it is to be
    /// parked: its attempts are spent, or its window has passed at `now`. Never later than the window's end.
    public func retryAt(afterAttempts attempts: Int, queuedAt: Date, now: Date) -> Date? {
        if let maxAttempts, attempts >= maxAttempts { return nil }
        let next = now.addingTimeInterval(delay(afterAttempts: attempts).seconds)
        guard let window else { return next }
        let deadline = queuedAt.addingTimeInterval(window.seconds)
        guard now < deadline else { return nil }
        return min(next, deadline)
    }
}
