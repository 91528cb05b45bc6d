import Synchronization

/// Items handed in from any thread and taken in batches: one flush runs at a time, and each turn of it takes
/// everything that arrived meanwhile (up to `maximumBatch`). The one batching loop of the stores' group
/// commits (SQLite's transactions, PostgreSQL's event inserts): under concurrency many callers share one
/// durable write.
public final class BatchQueue<Item: Sendable>: Sendable {
    private let state = Mutex<(waiting: [Item], flushing: Bool)>(([], false))
    public let maximumBatch: Int

    public init(maximumBatch: Int) {
        precondition(maximumBatch > 0)
        self.maximumBatch = maximumBatch
    }

    /// Queues `item`; `true` when no flush runs, so the caller must start one (and run `nextBatch` until it
    /// is empty).
    public func add(_ item: Item) -> Bool {
        state.withLock { state in
            state.waiting.append(item)
            guard !state.flushing else { return false }
            state.flushing = true
            return true
        }
    }

    /// The flush's next batch, oldest first; empty when nothing waits, which ends the flush (the next `add`
    /// starts another).
    public func nextBatch() -> [Item] {
        state.withLock { state in
            let batch = Array(state.waiting.prefix(maximumBatch))
            state.waiting.removeFirst(batch.count)
            if batch.isEmpty { state.flushing = false }
            return batch
        }
    }
}
