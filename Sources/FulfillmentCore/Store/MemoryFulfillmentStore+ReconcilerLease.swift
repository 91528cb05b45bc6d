public import Foundation

extension MemoryFulfillmentStore {
    public func reconcilerState() async throws -> ReconcilerState { reconciler }

    public func claimReconciler(holder: String, now: Date, leaseUntil: Date) async throws -> Bool {
        if let current = reconciler.leaseHolder, current != holder, let until = reconciler.leaseUntil, until > now { return false }
        if reconciler.leaseHolder != holder { reconciler.lastStartedAt = now }
        reconciler.leaseHolder = holder
        reconciler.leaseUntil = leaseUntil
        return true
    }

    public func finishReconciliation(holder: String, watermark: Date?, summary: String, now: Date) async throws {
        guard reconciler.leaseHolder == holder else { return }
        if let watermark { reconciler.watermark = watermark }
        reconciler.lastFinishedAt = now
        reconciler.lastSummary = summary
        reconciler.leaseHolder = nil
        reconciler.leaseUntil = nil
    }
}
