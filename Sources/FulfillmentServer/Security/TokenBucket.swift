import Foundation

/// A token bucket: up to `capacity` tokens, refilled continuously at `perSecond`; each admitted request takes
/// one. Time is passed in, so the arithmetic is tested without waiting.
struct TokenBucket: Sendable {
    let capacity: Double
    let perSecond: Double
    private(set) var tokens: Double
    private(set) var updated: Date

    init(_ rate: Rate, now: Date) {
        capacity = Double(rate.burst)
        perSecond = rate.perMinute / 60
        tokens = capacity
        updated = now
    }

    /// A budget: `burst` at once, refilled at `perMinute`.
    struct Rate: Sendable, Hashable {
        var burst: Int
        var perMinute: Double

        init(burst: Int, perMinute: Double) {
            self.burst = max(1, burst)
            self.perMinute = max(perMinute, 0.001)
        }
    }

    /// Takes a token: `nil` when one was there, otherwise the whole seconds until one will be.
    mutating func take(now: Date) -> Int? {
        refill(now: now)
        guard tokens >= 1 else { return Int(((1 - tokens) / perSecond).rounded(.up)) }
        tokens -= 1
        return nil
    }

    /// Returns a token taken for something that did not count after all.
    mutating func giveBack(now: Date) {
        refill(now: now)
        tokens = min(capacity, tokens + 1)
    }

    /// Whether the bucket is full again (nothing to remember about its client).
    func isFull(now: Date) -> Bool {
        tokens + max(0, now.timeIntervalSince(updated)) * perSecond >= capacity
    }

    private mutating func refill(now: Date) {
        tokens = min(capacity, tokens + max(0, now.timeIntervalSince(updated)) * perSecond)
        updated = max(updated, now)
    }
}

/// Token buckets by key (a client's address), at most `capacity` of them: when full, the buckets that are full
/// again are forgotten first, then the least recently used, so a flood of addresses cannot grow memory
/// without bound.
struct KeyedBuckets: Sendable {
    let rate: TokenBucket.Rate
    let capacity: Int
    private var buckets: [String: TokenBucket] = [:]

    init(_ rate: TokenBucket.Rate, capacity: Int = 10_000) {
        self.rate = rate
        self.capacity = capacity
    }

    mutating func take(_ key: String, now: Date) -> Int? {
        var bucket = buckets[key] ?? TokenBucket(rate, now: now)
        let wait = bucket.take(now: now)
        buckets[key] = bucket
        if buckets.count > capacity { trim(now: now) }
        return wait
    }

    mutating func giveBack(_ key: String, now: Date) {
        buckets[key]?.giveBack(now: now)
    }

    private mutating func trim(now: Date) {
        buckets = buckets.filter { !$0.value.isFull(now: now) }
        if buckets.count > capacity {
            for (key, _) in buckets.sorted(by: { $0.value.updated < $1.value.updated }).prefix(buckets.count - capacity) {
                buckets[key] = nil
            }
        }
    }
}
