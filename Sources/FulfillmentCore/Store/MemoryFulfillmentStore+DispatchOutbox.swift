public import Foundation

extension MemoryFulfillmentStore {
    public func claimDispatches(limit: Int, now: Date, leaseUntil: Date) async throws -> [QueuedDispatch] {
        var claimed: [QueuedDispatch] = []
        for id in dispatchOrder where claimed.count < limit {
            guard var entry = dispatchQueue[id], entry.status == .pending, entry.nextAttemptAt <= now,
                dispatchLeases[id].map({ $0 <= now }) ?? true
            else { continue }
            entry.attempts += 1
            dispatchQueue[id] = entry
            dispatchLeases[id] = leaseUntil
            claimed.append(QueuedDispatch(dispatch: entry.dispatch, attempts: entry.attempts, createdAt: entry.createdAt))
        }
        return claimed
    }

    public func releaseDispatches(ids: [String], now: Date) async throws {
        for id in ids {
            guard var entry = dispatchQueue[id], entry.status == .pending, let lease = dispatchLeases[id], lease > now else { continue }
            entry.attempts = max(0, entry.attempts - 1)
            dispatchQueue[id] = entry
            dispatchLeases[id] = nil
        }
    }

    public func markDispatchDelivered(id: String, now: Date) async throws {
        guard var entry = dispatchQueue[id] else { return }
        entry.status = .delivered
        entry.deliveredAt = now
        entry.lastError = nil
        dispatchQueue[id] = entry
        dispatchLeases[id] = nil
    }

    public func markDispatchFailed(id: String, error: String, retryAt: Date?, now: Date) async throws {
        guard var entry = dispatchQueue[id] else { return }
        entry.lastError = error
        if let retryAt { entry.nextAttemptAt = retryAt } else { entry.status = .dead }
        dispatchQueue[id] = entry
        dispatchLeases[id] = nil
    }

    public func dispatch(id: String) async throws -> DispatchEntry? { dispatchQueue[id] }

    public func dispatches(status: DispatchStatus?, subjectID: String?, limit: Int) async throws -> [DispatchEntry] {
        Array(
            dispatchOrder.compactMap { dispatchQueue[$0] }
                .filter { (status == nil || $0.status == status) && (subjectID == nil || $0.dispatch.subjectID == subjectID) }
                .prefix(limit))
    }

    public func dispatchCounts() async throws -> [DispatchStatus: Int] {
        dispatchQueue.values.reduce(into: [:]) { counts, entry in counts[entry.status, default: 0] += 1 }
    }

    public func replayDispatch(id: String, now: Date) async throws -> Bool {
        guard var entry = dispatchQueue[id] else { return false }
        entry.status = .pending
        entry.nextAttemptAt = now
        dispatchQueue[id] = entry
        dispatchLeases[id] = nil
        bells.ringDispatches()
        return true
    }
}
