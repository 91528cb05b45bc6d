import FulfillmentCore
import Synchronization

/// Group commit for the inbox: events from concurrent webhook requests join one transaction, and each
/// request is answered only after the transaction holding its event has committed. One durable write serves
/// many events, so acknowledging only stored events costs one sync per batch, not one per event.
///
/// Callers on an event loop hand over an event and a completion; nothing here blocks or creates a task per
/// event. One flush runs at a time and takes everything that arrived while the previous one committed.
final class InboxWriter: Sendable {
    static let maximumBatch = 512
    typealias Completion = @Sendable (Result<InboxInsertOutcome, any Error>) -> Void

    private struct Queue {
        var waiting: [(event: InboxEvent, completion: Completion)] = []
        var flushing = false
    }

    private let store: any FulfillmentStore
    private let queue = Mutex(Queue())

    init(store: any FulfillmentStore) {
        self.store = store
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
            do {
                let outcomes = try await store.insertEvents(batch.map(\.event))
                for (entry, outcome) in zip(batch, outcomes) { entry.completion(.success(outcome)) }
            } catch {
                for entry in batch { entry.completion(.failure(error)) }
            }
        }
    }
}
