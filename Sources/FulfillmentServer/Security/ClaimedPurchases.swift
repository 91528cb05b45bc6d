import Synchronization

/// Purchases this process has seen claimed (by its buyer's browser), so that strangers reloading a landing
/// page within the claim window cost a set lookup, not a write to the store each. Forgets everything when it
/// holds `capacity` ids (the store stays the judge: a forgotten id costs one more refused claim).
final class ClaimedPurchases: Sendable {
    private let ids = Mutex<Set<String>>([])
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    func contains(_ id: String) -> Bool { ids.withLock { $0.contains(id) } }

    func insert(_ id: String) {
        ids.withLock { ids in
            if ids.count >= capacity { ids.removeAll(keepingCapacity: true) }
            ids.insert(id)
        }
    }
}
