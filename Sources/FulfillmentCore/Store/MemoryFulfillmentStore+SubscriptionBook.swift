public import Foundation

extension MemoryFulfillmentStore {
    public func subscription(id: String) async throws -> StoredSubscription? {
        subscriptions[id]
    }

    public func saveSubscription(_ subscription: StoredSubscription, expectedVersion: Int?, outgoing: Outgoing, now: Date) async throws -> Bool {
        guard subscriptions[subscription.id]?.entitlement.version == expectedVersion else { return false }
        subscriptions[subscription.id] = subscription
        enqueue(outgoing, now: now)
        return true
    }

    public func pastDueSubscriptions(since before: Date, limit: Int) async throws -> [StoredSubscription] {
        let due = subscriptions.values.filter { stored in
            stored.entitlement.access == .pastDue && (stored.entitlement.pastDueSince.map { $0 < before } ?? false)
        }
        return Array(due.sorted { ($0.entitlement.pastDueSince!, $0.id) < ($1.entitlement.pastDueSince!, $1.id) }.prefix(limit))
    }

    public func subscriptionsPastTheirPeriod(before: Date, limit: Int) async throws -> [StoredSubscription] {
        let over = subscriptions.values.filter { $0.entitlement.access != .ended && $0.entitlement.validUntil < before }
        return Array(over.sorted { ($0.entitlement.validUntil, $0.id) < ($1.entitlement.validUntil, $1.id) }.prefix(limit))
    }
}
