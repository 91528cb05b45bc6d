public import Foundation
public import Logging
public import ServiceLifecycle

/// Persistence for the service. Each method is one transaction with an intent-named purpose; uniqueness
/// (event id, session id, email dedupe key) is enforced by the store itself, so concurrent callers and
/// several processes cannot produce a second effect. The decisions themselves (what a fulfilment or a status
/// change writes) are `Ledger`'s pure functions: a store reads their inputs and persists their outputs.
public protocol FulfillmentStore: DoorKeeping {
    // MARK: Running

    /// What the store runs while a service uses it (SQLite's WAL checkpoints; PostgreSQL's connection pool,
    /// migrations and LISTEN connection), listed before the workers so that they stop after them. `wakeUp`
    /// is how the store tells this process's workers of work another process added.
    func services(wakeUp: StoreWakeUp, logger: Logger) -> [any Service]

    // MARK: Inbox

    /// Stores a verified event once; a second insert of the same id is a `duplicate` and changes nothing.
    func insertEvent(_ event: InboxEvent) async throws -> InboxInsertOutcome

    /// Stores several events in one transaction (group commit): one durable write for many webhooks.
    /// Returns an outcome per event, in order. An event with a `leaseUntil` is stored claimed (its lease and
    /// `attempts` as given), so the instance storing it can handle it without a claim of its own; a
    /// duplicate leaves the stored event as it was.
    func insertEvents(_ events: [InboxEvent]) async throws -> [InboxInsertOutcome]

    /// Claims up to `limit` pending events due at `now`, oldest first, hiding them from other workers until
    /// `leaseUntil` (a worker that dies loses its claim when the lease ends). Each claim counts an attempt.
    func claimEvents(limit: Int, now: Date, leaseUntil: Date) async throws -> [InboxEvent]

    /// Marks a claimed event done (`processed` or `ignored`), with an optional note.
    func completeEvent(id: String, status: InboxEventStatus, note: String?, now: Date) async throws

    /// Records a failed attempt: retried at `retryAt`, or parked as `parkAs` (`dead`, or `orphaned` for an
    /// event about an object we never knew) when `retryAt` is `nil`.
    func failEvent(id: String, error: String, retryAt: Date?, parkAs: InboxEventStatus, now: Date) async throws

    /// Events matching `filter`, newest first.
    func listEvents(matching filter: EventFilter, limit: Int) async throws -> [InboxEvent]

    func event(id: String) async throws -> InboxEvent?

    /// Puts an event back in the queue (an operator's replay); `false` if there is no such event.
    func replayEvent(id: String, now: Date) async throws -> Bool

    /// How many events wait per status.
    func eventCounts() async throws -> [InboxEventStatus: Int]

    /// Retention: drops the payload of events handled (processed or ignored) before `payloadsBefore`, keeping
    /// their rows, whose ids go on deduplicating; deletes the rows of events handled before `rowsBefore`
    /// (older than anything Stripe can deliver or list again). Dead and orphaned events are kept for operators.
    func pruneEvents(payloadsBefore: Date, rowsBefore: Date) async throws -> PruneResult

    // MARK: Reconciliation

    /// Where the reconciler got to and who is running it (one process at a time).
    func reconcilerState() async throws -> ReconcilerState

    /// Takes (or, for its holder, extends) the reconciler's lease until `leaseUntil`; `false` while another
    /// holder's lease runs at `now`.
    func claimReconciler(holder: String, now: Date, leaseUntil: Date) async throws -> Bool

    /// Ends `holder`'s pass: records its summary, moves the watermark (`nil`: unchanged, as after a dry run)
    /// and releases the lease.
    func finishReconciliation(holder: String, watermark: Date?, summary: String, now: Date) async throws

    // MARK: Purchases ledger

    /// The ledger's record of a purchase (a Checkout Session's or an order's), with its lines.
    func purchase(subjectID: String) async throws -> Purchase?

    /// The purchase paid by this PaymentIntent, once fulfilled (from the stored payment).
    func purchaseSubjectID(paymentIntent: String) async throws -> String?

    /// Claims the purchase's ledger row (compare-and-set from any status its kind lets `fulfilled` follow)
    /// and, in the same transaction, performs every line, stores the payment copy and queues the receipt.
    func commitFulfillment(_ plan: FulfillmentPlan) async throws -> FulfillmentCommit

    /// Moves the purchase's status as its kind allows (compare-and-set), queueing `transition.email` in the
    /// same transaction.
    func transitionPurchase(_ transition: PurchaseTransition) async throws -> TransitionOutcome

    /// The purchase and line an access token was granted for (the access page).
    func entitlement(token: String) async throws -> Entitlement?

    // MARK: After the payment (refunds, disputes)

    /// The purchase's after-payment record (a Checkout Session's or an order's), if anything happened to its
    /// payment after it was made.
    func afterPayment(subjectID: String) async throws -> AfterPaymentRecord?

    /// Applies what Stripe says about the payment now, in one transaction: reads the record, decides with
    /// `Ledger.afterPayment`, writes the next state, gives served stock back once, and queues the change's
    /// email and notifications. Duplicate and stale facts change nothing.
    func applyAfterPayment(_ change: AfterPaymentChange) async throws -> AfterPaymentDecision

    // MARK: Orders (Sources and Charges)

    /// Stores a new order; its id and its source id are unique.
    func insertOrder(_ order: Order) async throws

    func order(id: String) async throws -> Order?
    func order(sourceID: String) async throws -> Order?
    func order(chargeID: String) async throws -> Order?

    /// Replaces the order if it is still at `expectedVersion` (compare-and-set) and, in the same transaction,
    /// queues `outgoing` (the customer's email, the merchant's notification) and records `anomaly`. `false` if
    /// another change got there first.
    func updateOrder(_ order: Order, expectedVersion: Int, outgoing: Outgoing, anomaly: String?, now: Date) async throws
        -> Bool

    /// The latest anomalies across every order, newest first (the console's anomalies page).
    func recentAnomalies(limit: Int) async throws -> [OrderAnomaly]

    /// Anomalies recorded for an order, oldest first (facts that contradicted a final state).
    func orderAnomalies(orderID: String) async throws -> [String]

    /// Whether the order's source may be looked at now: `true` (and the check recorded) if nobody, in any
    /// process, has looked within `interval` seconds. A conditional update, so instances share the limit.
    func claimSourceCheck(orderID: String, now: Date, interval: TimeInterval) async throws -> Bool

    // MARK: Stock

    func setStock(sku: String, quantity: Int) async throws
    func stockLevel(sku: String) async throws -> Int?

    // MARK: Outbox

    /// Claims up to `limit` unsent emails due at `now` until `leaseUntil`.
    func claimEmails(limit: Int, now: Date, leaseUntil: Date) async throws -> [QueuedEmail]
    func markEmailSent(id: Int64, now: Date) async throws
    func markEmailFailed(id: Int64, error: String, retryAt: Date, now: Date) async throws
    /// Emails not yet sent.
    func outboxBacklog() async throws -> Int
    /// Every email queued (sent or not), oldest first, optionally those whose key starts with a prefix.
    func emails(dedupeKeyPrefix: String?) async throws -> [OutboxEntry]

    // MARK: Operators

    /// Records what an operator did (or tried: a refused sign-in), for the console's audit log.
    func recordOperatorAction(_ action: OperatorAction) async throws

    /// Operator actions, newest first.
    func operatorActions(limit: Int) async throws -> [OperatorAction]

    // MARK: Dispatches (merchant notifications, action effects)

    /// Claims up to `limit` pending dispatches due at `now`, oldest first, until `leaseUntil`; each claim
    /// counts an attempt.
    func claimDispatches(limit: Int, now: Date, leaseUntil: Date) async throws -> [QueuedDispatch]
    func markDispatchDelivered(id: String, now: Date) async throws
    /// Records a failed attempt: tried again at `retryAt`, or parked as `dead` when it is `nil`.
    func markDispatchFailed(id: String, error: String, retryAt: Date?, now: Date) async throws
    /// Dispatches, oldest first, optionally of one status and about one subject (a session or an order).
    func dispatches(status: DispatchStatus?, subjectID: String?, limit: Int) async throws -> [DispatchEntry]
    /// How many dispatches there are per status (the console's backlog, without reading the rows).
    func dispatchCounts() async throws -> [DispatchStatus: Int]
    /// Puts a dispatch back in the queue, due at once (an operator's replay of a dead one); `false` if there is
    /// no such dispatch.
    func replayDispatch(id: String, now: Date) async throws -> Bool
}

extension FulfillmentStore {
    /// Events, newest first, optionally of one status.
    public func listEvents(status: InboxEventStatus?, limit: Int) async throws -> [InboxEvent] {
        try await listEvents(matching: EventFilter(status: status), limit: limit)
    }

    /// A store with nothing to run in the background (the in-memory store).
    public func services(wakeUp: StoreWakeUp, logger: Logger) -> [any Service] { [] }

    /// Runs `body` while the store's services run (a pool, migrations), then stops them: for command-line
    /// tools and tests, which have no service group. Operations wait until the store is ready.
    public func whileRunning<Result: Sendable>(
        logger: Logger, _ body: () async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services(wakeUp: .none, logger: logger) {
                group.addTask { try await service.run() }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}

/// How a store wakes this process's workers when work arrives from elsewhere (another instance).
public struct StoreWakeUp: Sendable {
    /// New events in the inbox.
    public var events: @Sendable () -> Void
    /// New emails in the outbox.
    public var outbox: @Sendable () -> Void

    public init(events: @escaping @Sendable () -> Void, outbox: @escaping @Sendable () -> Void) {
        self.events = events
        self.outbox = outbox
    }

    /// Wakes nobody (command-line tools, tests).
    public static let none = StoreWakeUp(events: {}, outbox: {})
}

/// What a prune did.
public struct PruneResult: Sendable, Hashable {
    public var payloadsDropped: Int
    public var rowsDeleted: Int

    public init(payloadsDropped: Int, rowsDeleted: Int) {
        self.payloadsDropped = payloadsDropped
        self.rowsDeleted = rowsDeleted
    }
}

/// The reconciler's durable state (one row).
public struct ReconcilerState: Sendable, Hashable {
    /// Events created before this (less an overlap) were already looked for.
    public var watermark: Date?
    public var leaseHolder: String?
    public var leaseUntil: Date?
    public var lastStartedAt: Date?
    public var lastFinishedAt: Date?
    public var lastSummary: String?

    public init(
        watermark: Date? = nil, leaseHolder: String? = nil, leaseUntil: Date? = nil, lastStartedAt: Date? = nil,
        lastFinishedAt: Date? = nil, lastSummary: String? = nil
    ) {
        self.watermark = watermark
        self.leaseHolder = leaseHolder
        self.leaseUntil = leaseUntil
        self.lastStartedAt = lastStartedAt
        self.lastFinishedAt = lastFinishedAt
        self.lastSummary = lastSummary
    }
}

/// An outbox row as operators and tests see it.
public struct OutboxEntry: Sendable, Hashable {
    public var id: Int64
    public var email: OutboundEmail
    public var attempts: Int
    public var sentAt: Date?
    public var lastError: String?

    public init(id: Int64, email: OutboundEmail, attempts: Int, sentAt: Date?, lastError: String?) {
        self.id = id
        self.email = email
        self.attempts = attempts
        self.sentAt = sentAt
        self.lastError = lastError
    }
}

/// Digital access granted by a fulfillment.
public struct Entitlement: Sendable, Hashable {
    public var token: String
    /// The purchase it was granted by (a Checkout Session's or an order's id).
    public var subjectID: String
    public var description: String
    public var customerEmail: String?

    public init(token: String, subjectID: String, description: String, customerEmail: String?) {
        self.token = token
        self.subjectID = subjectID
        self.description = description
        self.customerEmail = customerEmail
    }
}
