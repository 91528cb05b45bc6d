public import Foundation
import Synchronization

/// Lets the status endpoint look at an order's source at most once per `interval`, however often the
/// confirmation page (or many of them) polls. Per process: it limits load on Stripe, it does not guard
/// correctness (the charge's idempotency key does).
public final class SourceCheckLimiter: Sendable {
    private let interval: TimeInterval
    private let lastChecks = Mutex<[String: Date]>([:])

    public init(interval: Duration) {
        self.interval = interval.seconds
    }

    /// Whether `orderID` may be checked at `now`; if so, the check is counted.
    public func allow(_ orderID: String, now: Date) -> Bool {
        lastChecks.withLock { checks in
            if checks.count > 10_000 { checks = checks.filter { now.timeIntervalSince($0.value) < interval } }
            if let last = checks[orderID], now.timeIntervalSince(last) < interval { return false }
            checks[orderID] = now
            return true
        }
    }
}
