import Foundation
import Synchronization

/// Guards lookups of Checkout Session ids the ledger does not know, which would otherwise cost a Stripe
/// request each: every client has a small budget of such lookups (a token bucket: `burst`, refilled at
/// `perMinute`), and each id reaches Stripe at most once per `interval`, whoever asks: requests for an id
/// already being looked up wait for that lookup, and within the interval its answer is given again. Per
/// process (each instance keeps its own).
final class LookupGuard<Answer: Sendable>: Sendable {
    enum Outcome {
        case answer(Answer)
        /// The client has used its budget: 429, with when to retry.
        case tooMany(retryAfter: Int)
    }

    private struct State {
        var buckets: KeyedBuckets
        var lookups: [String: (task: Task<Answer, Never>, at: Date)] = [:]
    }

    let interval: TimeInterval
    /// Entries kept at most (the oldest are dropped first), so a flood of ids cannot grow memory without bound.
    let capacity: Int
    private let state: Mutex<State>

    init(burst: Int = 10, perMinute: Int = 10, interval: Duration = .seconds(2), capacity: Int = 10_000) {
        state = Mutex(State(buckets: KeyedBuckets(TokenBucket.Rate(burst: burst, perMinute: Double(perMinute)), capacity: capacity)))
        self.interval = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        self.capacity = capacity
    }

    /// The answer for `id`: the lookup of the last `interval` if there was one (waiting for it if it is still
    /// running), else `perform`, paid from `client`'s budget.
    func lookUp(id: String, client: String, now: Date, perform: @escaping @Sendable () async -> Answer) async -> Outcome {
        let decision: Result<Task<Answer, Never>, TooMany> = state.withLock { state in
            if let last = state.lookups[id], now.timeIntervalSince(last.at) < interval { return .success(last.task) }
            if let wait = state.buckets.take(client, now: now) { return .failure(TooMany(retryAfter: wait)) }
            let task = Task { await perform() }
            state.lookups[id] = (task, now)
            Self.trim(&state, capacity: capacity)
            return .success(task)
        }
        switch decision {
        case .success(let task): return .answer(await task.value)
        case .failure(let tooMany): return .tooMany(retryAfter: tooMany.retryAfter)
        }
    }

    private struct TooMany: Error {
        var retryAfter: Int
    }

    private static func trim(_ state: inout State, capacity: Int) {
        guard state.lookups.count > capacity else { return }
        for (id, _) in state.lookups.sorted(by: { $0.value.at < $1.value.at }).prefix(state.lookups.count - capacity) {
            state.lookups[id] = nil
        }
    }
}
