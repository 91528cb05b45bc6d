public import Foundation
public import Logging
public import ServiceLifecycle

/// Persistence for the service, as the roles it plays (one protocol each, in `Store/Roles`; every store keeps
/// each role in a file of that name). Each method is one transaction with an intent-named purpose; uniqueness
/// (event id, subject id, email dedupe key) is enforced by the store itself, so concurrent callers and
/// several processes cannot produce a second effect. The decisions themselves (what a fulfilment or a status
/// change writes) are `Ledger`'s pure functions: a store reads their inputs and persists their outputs.
public protocol FulfillmentStore:
    EventInbox, PurchaseLedger, AfterPaymentLedger, OrderBook, StockLevels, EmailOutbox, DispatchOutbox, OperatorLog,
    ReconcilerLease, DoorKeeping, SubscriptionBook
{
    // MARK: Running

    /// The doorbells of this process's workers: the store rings them once a transaction of its has committed
    /// work to a queue, and (PostgreSQL) when another process's commit is heard of.
    var bells: WorkBells { get }

    /// What the store runs while a service uses it (SQLite's WAL checkpoints; PostgreSQL's connection pool,
    /// migrations and LISTEN connection), listed before the workers so that they stop after them.
    func services(logger: Logger) -> [any Service]

    /// The schema's migrations against this build's (readiness: a database behind or ahead is not served).
    func schemaState() async throws -> SchemaState
}

extension FulfillmentStore {
    /// A store with nothing to run in the background (the in-memory store).
    public func services(logger: Logger) -> [any Service] { [] }

    /// A store without a schema (the in-memory store) is always current.
    public func schemaState() async throws -> SchemaState { SchemaState(known: [], applied: []) }

    /// Runs `body` while the store's services run (a pool, migrations), then stops them: for command-line
    /// tools and tests, which have no service group. Operations wait until the store is ready.
    public func whileRunning<Result: Sendable>(
        logger: Logger, _ body: () async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services(logger: logger) {
                group.addTask { try await service.run() }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}
