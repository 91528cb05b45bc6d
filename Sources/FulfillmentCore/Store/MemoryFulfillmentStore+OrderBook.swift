public import Foundation

extension MemoryFulfillmentStore {
    public func insertOrder(_ order: Order) async throws {
        guard orders[order.id] == nil else { throw StoreConflict("order \(order.id) exists") }
        if let sourceID = order.sourceID, orders.values.contains(where: { $0.sourceID == sourceID }) {
            throw StoreConflict("source \(sourceID) already belongs to an order")
        }
        if let intentID = order.paymentIntentID, orders.values.contains(where: { $0.paymentIntentID == intentID }) {
            throw StoreConflict("PaymentIntent \(intentID) already belongs to an order")
        }
        orders[order.id] = order
    }

    public func order(id: String) async throws -> Order? { orders[id] }

    public func order(sourceID: String) async throws -> Order? { orders.values.first { $0.sourceID == sourceID } }

    public func order(paymentIntentID: String) async throws -> Order? {
        orders.values.first { $0.paymentIntentID == paymentIntentID }
    }

    public func order(chargeID: String) async throws -> Order? { orders.values.first { $0.chargeID == chargeID } }

    public func ordersAwaitingPayment(flow: OrderPaymentFlow, createdBefore: Date, limit: Int) async throws -> [Order] {
        Array(
            orders.values.filter { $0.paymentFlow == flow && $0.status == .awaitingPayment && $0.createdAt < createdBefore }
                .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }.prefix(limit))
    }

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
}
