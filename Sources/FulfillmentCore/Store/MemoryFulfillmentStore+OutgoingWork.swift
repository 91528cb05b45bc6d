import Foundation

extension MemoryFulfillmentStore {
    /// Queues the emails and dispatches a change brings (what is queued already stays as it is), and rings the
    /// workers: an actor's call is its own transaction, committed when it returns.
    func enqueue(_ outgoing: Outgoing, now: Date) {
        defer { bells.ring(for: outgoing) }
        for email in outgoing.emails { enqueue(email, now: now) }
        for dispatch in outgoing.dispatches where dispatchQueue[dispatch.id] == nil {
            dispatchQueue[dispatch.id] = DispatchEntry(
                dispatch: dispatch, status: .pending, attempts: 0, createdAt: now, nextAttemptAt: now, deliveredAt: nil,
                lastError: nil)
            dispatchLeases[dispatch.id] = nil
            dispatchOrder.append(dispatch.id)
        }
    }
}
