import Foundation

/// A token bucket for the emulator's API rate limit: holds one second's worth of requests and refills
/// steadily, so a client pacing itself at the limit is never refused and a burst past it is.
struct RateBucket: Sendable {
    private var tokens: Double?
    private var refilledAt: Date?

    /// Takes one request's token at `now` with `rate` per second; `false` if there is none.
    mutating func take(rate: Int, at now: Date) -> Bool {
        let capacity = Double(rate)
        var available = tokens ?? capacity
        if let refilledAt { available = min(capacity, available + now.timeIntervalSince(refilledAt) * capacity) }
        refilledAt = now
        guard available >= 1 else {
            tokens = available
            return false
        }
        tokens = available - 1
        return true
    }
}
