import Foundation
import Synchronization

/// A budget for requests that cost the shop something (an order creates an object at Stripe): each client has
/// `perClient`, and all clients together `total`. Past either, the request is refused with the seconds to
/// wait. Per process: each instance keeps its own.
final class RequestBudget: Sendable {
    private struct State {
        var clients: KeyedBuckets
        var total: TokenBucket
    }

    private let state: Mutex<State>

    init(perClient: TokenBucket.Rate, total: TokenBucket.Rate, now: Date = Date(), capacity: Int = 10_000) {
        state = Mutex(State(clients: KeyedBuckets(perClient, capacity: capacity), total: TokenBucket(total, now: now)))
    }

    /// `nil` when `client` may go ahead (its request is paid for), otherwise the seconds to wait.
    func admit(client: String, now: Date) -> Int? {
        state.withLock { state in
            if let wait = state.clients.take(client, now: now) { return wait }
            if let wait = state.total.take(now: now) {
                state.clients.giveBack(client, now: now)
                return wait
            }
            return nil
        }
    }
}
