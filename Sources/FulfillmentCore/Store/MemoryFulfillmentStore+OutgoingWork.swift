public import Foundation

extension MemoryFulfillmentStore {
    func enqueue(_ outgoing: Outgoing, now: Date) {
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
