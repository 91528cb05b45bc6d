public import Foundation

/// A uniqueness rule the store enforces was broken.
public struct StoreConflict: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A complete in-memory store: the reference the SQLite and PostgreSQL stores are tested against (one
/// contract suite for all), and a store for tests that need no files.
public actor MemoryFulfillmentStore: FulfillmentStore {
    struct StoredEvent {
        var event: InboxEvent
        var leaseUntil: Date?
        var sequence: Int
    }

    struct StoredEmail {
        var entry: OutboxEntry
        var createdAt: Date
        var nextAttemptAt: Date
        var leaseUntil: Date?

        /// The entry as a listing shows it, with when it is tried next.
        var listed: OutboxEntry {
            var listed = entry
            listed.nextAttemptAt = nextAttemptAt
            return listed
        }
    }

    // The state, one collection per role (each role's methods are in `MemoryFulfillmentStore+<Role>`).
    var events: [String: StoredEvent] = [:]
    var eventSequence = 0
    var purchases: [String: Purchase] = [:]
    var purchaseLines: [String: [PurchaseLineRow]] = [:]
    var purchasePayments: [String: PurchasePaymentRow] = [:]
    var sourceChecks: [String: Date] = [:]
    var reconciler = ReconcilerState()
    var stock: [String: Int] = [:]
    var outbox: [StoredEmail] = []
    var orders: [String: Order] = [:]
    var subscriptions: [String: StoredSubscription] = [:]
    var anomalies: [OrderAnomaly] = []
    var afterPayments: [String: AfterPaymentRecord] = [:]
    var operatorLog: [OperatorAction] = []
    var dispatchQueue: [String: DispatchEntry] = [:]
    var dispatchLeases: [String: Date] = [:]
    var dispatchOrder: [String] = []
    var consoleSessions: [String: ConsoleSession] = [:]
    var buyerClaims: [String: Date] = [:]

    public nonisolated let bells = WorkBells()

    public init() {}
}
