import Foundation
import FulfillmentCore
import StripeAPI
import Synchronization

/// Group commit for the inbox: events from concurrent webhook requests join one transaction, and each
/// request is answered only after the transaction holding its event has committed. One durable write serves
/// many events, so acknowledging only stored events costs one sync per batch, not one per event.
///
/// Callers on an event loop hand over an event and a completion; nothing here blocks or creates a task per
/// event. One flush runs at a time and takes everything that arrived while the previous one committed.
///
/// Claim at intake: for as many new events to handle as the event worker has free slots, the batch stores
/// them claimed by this instance (lease and first attempt in the same insert), and hands them to the worker
/// once committed, so their handling does not start with a claim of its own, ringing the worker once for
/// them. (The store rings for the events it stored unclaimed.)
final class InboxWriter: Sendable {
    static let maximumBatch = 512
    typealias Completion = @Sendable (Result<InboxInsertOutcome, any Error>) -> Void

    private struct Queue {
        var waiting: [(event: InboxEvent, completion: Completion)] = []
        var flushing = false
    }

    private let store: any FulfillmentStore
    private let slots: WorkerSlots?
    private let lease: Duration
    private let now: @Sendable () -> Date
    private let queue = Mutex(Queue())

    /// `slots`: the event worker's, when this instance runs one (then new events are claimed as stored).
    init(store: any FulfillmentStore, slots: WorkerSlots?, lease: Duration, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.slots = slots
        self.lease = lease
        self.now = now
    }

    /// Stores `event` durably (or finds it stored), then calls `completion` with which, or with the error.
    func insert(_ event: InboxEvent, completion: @escaping Completion) {
        let startFlush = queue.withLock { queue in
            queue.waiting.append((event, completion))
            guard !queue.flushing else { return false }
            queue.flushing = true
            return true
        }
        if startFlush { Task { await self.flush() } }
    }

    private func flush() async {
        while true {
            let batch = queue.withLock { queue in
                let batch = Array(queue.waiting.prefix(Self.maximumBatch))
                queue.waiting.removeFirst(batch.count)
                if batch.isEmpty { queue.flushing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            var events = batch.map(\.event)
            let claimed = claimForFreeSlots(&events)
            do {
                let outcomes = try await store.insertEvents(events)
                let handedOver = claimed.filter { outcomes[$0] == .inserted }.map { events[$0] }
                slots?.handOver(handedOver, unused: claimed.count - handedOver.count)
                if !handedOver.isEmpty { store.bells.ringEvents() }
                for (entry, outcome) in zip(batch, outcomes) { entry.completion(.success(outcome)) }
            } catch {
                slots?.handOver([], unused: claimed.count)
                for entry in batch { entry.completion(.failure(error)) }
            }
        }
    }

    /// Marks as many of the batch's events to handle as the worker has free slots as claimed by this instance;
    /// returns their positions.
    private func claimForFreeSlots(_ events: inout [InboxEvent]) -> [Int] {
        guard let slots else { return [] }
        let toHandle = events.indices.filter { events[$0].status == .pending }
        let granted = slots.reserve(upTo: toHandle.count)
        guard granted > 0 else { return [] }
        let leaseUntil = now().addingTimeInterval(lease.seconds)
        let claimed = Array(toHandle.prefix(granted))
        for index in claimed {
            events[index].leaseUntil = leaseUntil
            events[index].attempts = 1
        }
        return claimed
    }
}
