public import Foundation

/// A uniqueness rule the store enforces was broken.
public struct StoreConflict: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A complete in-memory store: the reference the SQLite and PostgreSQL stores are tested against (one
/// contract suite for all), and a store for tests that need no files.
public actor MemoryFulfillmentStore: FulfillmentStore {
    private struct StoredEvent {
        var event: InboxEvent
        var leaseUntil: Date?
        var sequence: Int
    }

    private struct StoredEmail {
        var entry: OutboxEntry
        var createdAt: Date
        var nextAttemptAt: Date
        var leaseUntil: Date?
    }

    private var events: [String: StoredEvent] = [:]
    private var eventSequence = 0
    private var purchases: [String: Purchase] = [:]
    private var purchaseLines: [String: [PurchaseLineRow]] = [:]
    private var purchasePayments: [String: PurchasePaymentRow] = [:]
    private var sourceChecks: [String: Date] = [:]
    private var reconciler = ReconcilerState()
    private var stock: [String: Int] = [:]
    private var outbox: [StoredEmail] = []
    private var orders: [String: Order] = [:]
    private var anomalies: [OrderAnomaly] = []
    private var afterPayments: [String: AfterPaymentRecord] = [:]
    private var operatorLog: [OperatorAction] = []
    /// Console sessions by id hash, and claimed buyer views (`+DoorKeeping`).
    var consoleSessions: [String: ConsoleSession] = [:]
    var buyerClaims: [String: Date] = [:]

    public func recordOperatorAction(_ action: OperatorAction) async throws { operatorLog.append(action) }

    public func operatorActions(limit: Int) async throws -> [OperatorAction] { Array(operatorLog.reversed().prefix(limit)) }
    private var dispatchQueue: [String: DispatchEntry] = [:]
    private var dispatchLeases: [String: Date] = [:]
    private var dispatchOrder: [String] = []

    public init() {}

    // MARK: Inbox

    public func insertEvent(_ event: InboxEvent) async throws -> InboxInsertOutcome {
        guard events[event.id] == nil else { return .duplicate }
        eventSequence += 1
        var stored = event
        stored.leaseUntil = nil
        events[event.id] = StoredEvent(event: stored, leaseUntil: event.leaseUntil, sequence: eventSequence)
        return .inserted
    }

    public func insertEvents(_ events: [InboxEvent]) async throws -> [InboxInsertOutcome] {
        var outcomes: [InboxInsertOutcome] = []
        for event in events { outcomes.append(try await insertEvent(event)) }
        return outcomes
    }

    public func claimEvents(limit: Int, now: Date, leaseUntil: Date) async throws -> [InboxEvent] {
        let due = events.values
            .filter { $0.event.status == .pending && $0.event.nextAttemptAt <= now && ($0.leaseUntil.map { $0 <= now } ?? true) }
            .sorted { ($0.event.receivedAt, $0.sequence) < ($1.event.receivedAt, $1.sequence) }
            .prefix(limit)
        return due.map { stored in
            var claimed = stored
            claimed.leaseUntil = leaseUntil
            claimed.event.attempts += 1
            events[stored.event.id] = claimed
            return claimed.event
        }
    }

    public func completeEvent(id: String, status: InboxEventStatus, note: String?, now: Date) async throws {
        guard var stored = events[id] else { return }
        stored.event.status = status
        stored.event.processedAt = now
        stored.event.lastError = note
        stored.leaseUntil = nil
        events[id] = stored
    }

    public func failEvent(id: String, error: String, retryAt: Date?, parkAs: InboxEventStatus, now: Date) async throws {
        guard var stored = events[id] else { return }
        stored.event.lastError = error
        stored.leaseUntil = nil
        if let retryAt {
            stored.event.nextAttemptAt = retryAt
        } else {
            stored.event.status = parkAs
            stored.event.processedAt = now
        }
        events[id] = stored
    }

    public func listEvents(matching filter: EventFilter, limit: Int) async throws -> [InboxEvent] {
        Array(
            events.values.filter { filter.matches($0.event) }
                .sorted { ($0.event.receivedAt, $0.sequence) > ($1.event.receivedAt, $1.sequence) }
                .prefix(limit).map(\.event))
    }

    public func event(id: String) async throws -> InboxEvent? { events[id]?.event }

    public func replayEvent(id: String, now: Date) async throws -> Bool {
        guard var stored = events[id] else { return false }
        stored.event.status = .pending
        stored.event.nextAttemptAt = now
        stored.event.attempts = 0
        stored.leaseUntil = nil
        events[id] = stored
        return true
    }

    public func eventCounts() async throws -> [InboxEventStatus: Int] {
        events.values.reduce(into: [:]) { $0[$1.event.status, default: 0] += 1 }
    }

    public func pruneEvents(payloadsBefore: Date, rowsBefore: Date) async throws -> PruneResult {
        var result = PruneResult(payloadsDropped: 0, rowsDeleted: 0)
        for (id, stored) in events {
            guard stored.event.status == .processed || stored.event.status == .ignored, let handled = stored.event.processedAt else {
                continue
            }
            if handled < rowsBefore {
                events[id] = nil
                result.rowsDeleted += 1
            } else if handled < payloadsBefore, !stored.event.payload.isEmpty {
                events[id]?.event.payload = Data()
                result.payloadsDropped += 1
            }
        }
        return result
    }

    // MARK: Reconciliation

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

    // MARK: Purchases ledger

    public func purchase(subjectID: String) async throws -> Purchase? { purchases[subjectID] }

    public func purchaseSubjectID(paymentIntent: String) async throws -> String? {
        purchasePayments.values.first { $0.paymentIntent == paymentIntent }?.subjectID
    }

    public func afterPayment(subjectID: String) async throws -> AfterPaymentRecord? { afterPayments[subjectID] }

    public func applyAfterPayment(_ change: AfterPaymentChange) async throws -> AfterPaymentDecision {
        let (decision, write) = Ledger.afterPayment(change, current: afterPayments[change.subjectID])
        if let write {
            afterPayments[change.subjectID] = write.record
            for (sku, units) in write.stockReturned where stock[sku] != nil { stock[sku, default: 0] += units }
            enqueue(write.outgoing, now: change.now)
        }
        return decision
    }

    public func commitFulfillment(_ plan: FulfillmentPlan) async throws -> FulfillmentCommit {
        // An actor runs one call at a time: the read and the write below are one transaction.
        let skus = Set(plan.lines.compactMap(\.action.sku))
        switch Ledger.fulfil(plan, current: purchases[plan.subjectID], stock: stock.filter { skus.contains($0.key) }) {
        case .alreadyFulfilled(let record):
            return .alreadyFulfilled(record)
        case .fulfil(let write):
            for (sku, taken) in write.stockTaken { stock[sku, default: 0] -= taken }
            purchases[plan.subjectID] = write.record
            purchaseLines[plan.subjectID] = write.lineRows
            purchasePayments[plan.subjectID] = write.payment
            enqueue(write.outgoing, now: plan.now)
            return .committed(write.record)
        }
    }

    public func transitionPurchase(_ transition: PurchaseTransition) async throws -> TransitionOutcome {
        let decision = Ledger.transition(transition, current: purchases[transition.subjectID])
        if case .apply(let row, let outgoing) = decision {
            purchases[transition.subjectID] = Purchase(row, lines: purchaseLines[transition.subjectID] ?? [])
            enqueue(outgoing, now: transition.now)
        }
        return decision.outcome
    }

    public func entitlement(token: String) async throws -> Entitlement? {
        for (subjectID, rows) in purchaseLines {
            if let row = rows.first(where: { $0.accessToken == token }) {
                return Entitlement(
                    token: token, subjectID: subjectID, description: row.description,
                    customerEmail: purchases[subjectID]?.customerEmail)
            }
        }
        return nil
    }

    // MARK: Stock

    public func setStock(sku: String, quantity: Int) async throws {
        precondition(quantity >= 0, "stock is never negative")
        stock[sku] = quantity
    }

    public func stockLevel(sku: String) async throws -> Int? { stock[sku] }

    // MARK: Outbox

    // MARK: Orders

    public func insertOrder(_ order: Order) async throws {
        guard orders[order.id] == nil else { throw StoreConflict("order \(order.id) exists") }
        guard !orders.values.contains(where: { $0.sourceID == order.sourceID }) else {
            throw StoreConflict("source \(order.sourceID) already belongs to an order")
        }
        orders[order.id] = order
    }

    public func order(id: String) async throws -> Order? { orders[id] }

    public func order(sourceID: String) async throws -> Order? { orders.values.first { $0.sourceID == sourceID } }

    public func order(chargeID: String) async throws -> Order? { orders.values.first { $0.chargeID == chargeID } }

    public func updateOrder(
        _ order: Order, expectedVersion: Int, outgoing: Outgoing, anomaly: String?, now: Date
    ) async throws -> Bool {
        guard let current = orders[order.id], current.version == expectedVersion else { return false }
        if let chargeID = order.chargeID, orders.values.contains(where: { $0.id != order.id && $0.chargeID == chargeID }) {
            throw StoreConflict("charge \(chargeID) already belongs to another order")
        }
        orders[order.id] = order
        enqueue(outgoing, now: now)
        if let anomaly, !anomalies.contains(where: { $0.orderID == order.id && $0.detail == anomaly }) {
            anomalies.append(OrderAnomaly(orderID: order.id, detail: anomaly, recordedAt: now))
        }
        return true
    }

    public func orderAnomalies(orderID: String) async throws -> [String] {
        anomalies.filter { $0.orderID == orderID }.map(\.detail)
    }

    public func recentAnomalies(limit: Int) async throws -> [OrderAnomaly] {
        Array(anomalies.reversed().prefix(limit))
    }

    public func claimSourceCheck(orderID: String, now: Date, interval: TimeInterval) async throws -> Bool {
        guard orders[orderID] != nil else { return false }
        if let last = sourceChecks[orderID], now.timeIntervalSince(last) < interval { return false }
        sourceChecks[orderID] = now
        return true
    }

    private func enqueue(_ outgoing: Outgoing, now: Date) {
        for email in outgoing.emails { enqueue(email, now: now) }
        for dispatch in outgoing.dispatches where dispatchQueue[dispatch.id] == nil {
            dispatchQueue[dispatch.id] = DispatchEntry(
                dispatch: dispatch, status: .pending, attempts: 0, createdAt: now, nextAttemptAt: now, deliveredAt: nil,
                lastError: nil)
            dispatchLeases[dispatch.id] = nil
            dispatchOrder.append(dispatch.id)
        }
    }

    private func enqueue(_ email: OutboundEmail, now: Date) {
        guard !outbox.contains(where: { $0.entry.email.dedupeKey == email.dedupeKey }) else { return }
        let entry = OutboxEntry(id: Int64(outbox.count + 1), email: email, attempts: 0, sentAt: nil, lastError: nil)
        outbox.append(StoredEmail(entry: entry, createdAt: now, nextAttemptAt: now, leaseUntil: nil))
    }

    public func claimEmails(limit: Int, now: Date, leaseUntil: Date) async throws -> [QueuedEmail] {
        var claimed: [QueuedEmail] = []
        for index in outbox.indices where claimed.count < limit {
            let stored = outbox[index]
            guard stored.entry.sentAt == nil, stored.nextAttemptAt <= now, stored.leaseUntil.map({ $0 <= now }) ?? true else {
                continue
            }
            outbox[index].leaseUntil = leaseUntil
            outbox[index].entry.attempts += 1
            claimed.append(
                QueuedEmail(id: stored.entry.id, email: stored.entry.email, attempts: stored.entry.attempts + 1, createdAt: stored.createdAt))
        }
        return claimed
    }

    public func markEmailSent(id: Int64, now: Date) async throws {
        guard let index = outbox.firstIndex(where: { $0.entry.id == id }) else { return }
        outbox[index].entry.sentAt = now
        outbox[index].leaseUntil = nil
    }

    public func markEmailFailed(id: Int64, error: String, retryAt: Date, now: Date) async throws {
        guard let index = outbox.firstIndex(where: { $0.entry.id == id }) else { return }
        outbox[index].entry.lastError = error
        outbox[index].nextAttemptAt = retryAt
        outbox[index].leaseUntil = nil
    }

    public func outboxBacklog() async throws -> Int { outbox.filter { $0.entry.sentAt == nil }.count }

    public func emails(dedupeKeyPrefix: String?) async throws -> [OutboxEntry] {
        outbox.map(\.entry).filter { dedupeKeyPrefix == nil || $0.email.dedupeKey.hasPrefix(dedupeKeyPrefix!) }
    }

    // MARK: Dispatches

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
        return true
    }
}
