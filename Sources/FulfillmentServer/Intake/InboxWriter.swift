import Foundation
import FulfillmentCore
import StripeAPI

/// Hands each verified webhook event to the store's group commit (`EventInbox.receiveEvent`: events from
/// concurrent requests share one durable write, so acknowledging only stored events costs one sync per
/// burst, not one per event), and answers the request once the event is durable. Callers on an event loop
/// hand over an event and a completion; nothing here blocks or batches: the store's one batching loop does.
///
/// Claim at intake: while the event worker has a free slot, a new event to handle is stored claimed by this
/// instance (lease and first attempt in the same insert) and handed to the worker once committed, so its
/// handling does not start with a claim of its own; the worker is rung for it. (The store rings for the
/// events it stored unclaimed.)
final class InboxWriter: Sendable {
    typealias Completion = @Sendable (Result<InboxInsertOutcome, any Error>) -> Void

    private let store: any FulfillmentStore
    private let slots: WorkerSlots?
    private let lease: Duration
    private let now: @Sendable () -> Date

    /// `slots`: the event worker's, when this instance runs one (then new events are claimed as stored).
    init(store: any FulfillmentStore, slots: WorkerSlots?, lease: Duration, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.slots = slots
        self.lease = lease
        self.now = now
    }

    /// Stores `event` durably (or finds it stored), then calls `completion` with which, or with the error.
    func insert(_ event: InboxEvent, completion: @escaping Completion) {
        var stored = event
        let claimed = claimForAFreeSlot(&stored)
        store.receiveEvent(stored) { [store, slots, stored] result in
            if claimed {
                if case .success(.inserted) = result {
                    slots?.handOver([stored], unused: 0)
                    store.bells.ringEvents()
                } else {
                    slots?.handOver([], unused: 1)
                }
            }
            completion(result)
        }
    }

    /// Marks the event claimed by this instance if it is one to handle and the worker has a free slot.
    private func claimForAFreeSlot(_ event: inout InboxEvent) -> Bool {
        guard let slots, event.status == .pending, slots.reserve(upTo: 1) == 1 else { return false }
        event.leaseUntil = now().addingTimeInterval(lease.seconds)
        event.attempts = 1
        return true
    }
}
