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
    private var checkouts: [String: CheckoutRecord] = [:]
    private var payments: [String: Data] = [:]
    private var stock: [String: Int] = [:]
    private var outbox: [StoredEmail] = []
    private var orders: [String: Order] = [:]
    private var anomalies: [(orderID: String, detail: String)] = []

    public init() {}

    // MARK: Inbox

    public func insertEvent(_ event: InboxEvent) async throws -> InboxInsertOutcome {
        guard events[event.id] == nil else { return .duplicate }
        eventSequence += 1
        events[event.id] = StoredEvent(event: event, leaseUntil: nil, sequence: eventSequence)
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

    public func listEvents(status: InboxEventStatus?, limit: Int) async throws -> [InboxEvent] {
        Array(
            events.values.filter { status == nil || $0.event.status == status }
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

    // MARK: Checkout ledger

    public func checkoutRecord(sessionID: String) async throws -> CheckoutRecord? { checkouts[sessionID] }

    public func commitFulfillment(_ plan: FulfillmentPlan) async throws -> FulfillmentCommit {
        let current = checkouts[plan.sessionID]
        guard CheckoutStatus.fulfilled.canFollow(current?.status) else { return .alreadyFulfilled(current!) }
        var lines: [FulfilledLine] = []
        for line in plan.lines {
            let available = line.action.sku.flatMap { stock[$0] }
            let result = LinePerformer.perform(line, available: available, plan: plan, token: LinePerformer.newToken())
            if let sku = line.action.sku, let level = stock[sku] { stock[sku] = level - result.stockTaken }
            lines.append(result.line)
        }
        let record = CheckoutRecord(
            sessionID: plan.sessionID, status: .fulfilled, customerEmail: plan.customerEmail,
            customerName: plan.customerName, amountTotal: plan.amountTotal, currency: plan.currency, shipping: plan.shipping,
            createdAt: current?.createdAt ?? plan.now, updatedAt: plan.now, fulfilledAt: plan.now, lines: lines)
        checkouts[plan.sessionID] = record
        payments[plan.sessionID] = plan.sessionJSON
        if let receipt = plan.receipt(lines) { enqueue(receipt, now: plan.now) }
        return .committed(record)
    }

    public func transitionCheckout(_ transition: CheckoutTransition) async throws -> TransitionOutcome {
        let current = checkouts[transition.sessionID]
        guard transition.to.canFollow(current?.status) else { return .refused(current: current!.status) }
        checkouts[transition.sessionID] = CheckoutRecord(
            sessionID: transition.sessionID, status: transition.to,
            customerEmail: transition.customerEmail ?? current?.customerEmail,
            customerName: transition.customerName ?? current?.customerName,
            amountTotal: transition.amountTotal ?? current?.amountTotal, currency: transition.currency ?? current?.currency,
            shipping: current?.shipping, createdAt: current?.createdAt ?? transition.now, updatedAt: transition.now,
            fulfilledAt: nil, lines: [])
        if let email = transition.email { enqueue(email, now: transition.now) }
        return .applied
    }

    public func entitlement(token: String) async throws -> Entitlement? {
        for record in checkouts.values {
            for line in record.lines {
                if case .accessGranted(let url) = line.outcome, url.hasSuffix("/" + token) {
                    return Entitlement(token: token, sessionID: record.sessionID, description: line.description, customerEmail: record.customerEmail)
                }
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
        _ order: Order, expectedVersion: Int, email: OutboundEmail?, anomaly: String?, now: Date
    ) async throws -> Bool {
        guard let current = orders[order.id], current.version == expectedVersion else { return false }
        if let chargeID = order.chargeID, orders.values.contains(where: { $0.id != order.id && $0.chargeID == chargeID }) {
            throw StoreConflict("charge \(chargeID) already belongs to another order")
        }
        orders[order.id] = order
        if let email { enqueue(email, now: now) }
        if let anomaly, !anomalies.contains(where: { $0.orderID == order.id && $0.detail == anomaly }) { anomalies.append((order.id, anomaly)) }
        return true
    }

    public func orderAnomalies(orderID: String) async throws -> [String] {
        anomalies.filter { $0.orderID == orderID }.map(\.detail)
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
}
