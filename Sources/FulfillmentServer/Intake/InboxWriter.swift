import FulfillmentCore

/// Group commit for the inbox: concurrent webhook requests join one transaction, and each request returns
/// only after the transaction that holds its event has committed. One durable write serves many events,
/// so acknowledging only stored events costs one sync per batch, not one per event.
actor InboxWriter {
    static let maximumBatch = 512

    private let store: any FulfillmentStore
    private var waiting: [(event: InboxEvent, continuation: CheckedContinuation<InboxInsertOutcome, any Error>)] = []
    private var flushing = false

    init(store: any FulfillmentStore) {
        self.store = store
    }

    /// Stores `event` durably (or finds it stored) and returns which.
    func insert(_ event: InboxEvent) async throws -> InboxInsertOutcome {
        try await withCheckedThrowingContinuation { continuation in
            waiting.append((event, continuation))
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(Self.maximumBatch))
            waiting.removeFirst(batch.count)
            do {
                let outcomes = try await store.insertEvents(batch.map(\.event))
                for (entry, outcome) in zip(batch, outcomes) { entry.continuation.resume(returning: outcome) }
            } catch {
                for entry in batch { entry.continuation.resume(throwing: error) }
            }
        }
        flushing = false
    }
}
