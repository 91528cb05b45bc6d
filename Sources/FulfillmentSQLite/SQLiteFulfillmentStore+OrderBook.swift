public import Foundation
public import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    public func insertOrder(_ order: Order) async throws {
        try await writer.write { db in try order.insert(db) }
    }

    public func order(id: String) async throws -> Order? {
        try await read { db in try Order.fetchOne(db, key: id) }
    }

    public func order(sourceID: String) async throws -> Order? {
        try await read { db in try Order.filter(Column(Order.CodingKeys.sourceID) == sourceID).fetchOne(db) }
    }

    public func order(paymentIntentID: String) async throws -> Order? {
        try await read { db in try Order.filter(Column(Order.CodingKeys.paymentIntentID) == paymentIntentID).fetchOne(db) }
    }

    public func ordersAwaitingPayment(flow: OrderPaymentFlow, createdBefore: Date, limit: Int) async throws -> [Order] {
        try await read { db in
            try Order.filter(Column(Order.CodingKeys.status) == OrderStatus.awaitingPayment.rawValue)
                .filter(Column(Order.CodingKeys.paymentFlow) == flow.rawValue)
                .filter(Column(Order.CodingKeys.createdAt) < createdBefore.timeIntervalSince1970)
                .order(Column(Order.CodingKeys.createdAt), Column(Order.CodingKeys.id)).limit(limit).fetchAll(db)
        }
    }

    public func order(chargeID: String) async throws -> Order? {
        try await read { db in try Order.filter(Column(Order.CodingKeys.chargeID) == chargeID).fetchOne(db) }
    }

    public func updateOrder(
        _ order: Order, expectedVersion: Int, outgoing: Outgoing, anomaly: String?, now: Date
    ) async throws -> Bool {
        try await writeQueueing { db, queued in
            // The compare-and-set: only the version the change was decided on may be replaced.
            let replaced = try Order.filter(key: order.id).filter(Column(Order.CodingKeys.version) == expectedVersion)
                .fetchCount(db) == 1
            guard replaced else { return false }
            try order.update(db)
            try Self.enqueue(outgoing, now: now, in: db, noting: queued)
            if let anomaly {
                try db.run("INSERT INTO order_anomalies (order_id, detail, recorded_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [order.id, anomaly, now.timeIntervalSince1970])
            }
            return true
        }
    }

    public func recentAnomalies(limit: Int) async throws -> [OrderAnomaly] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT order_id, detail, recorded_at FROM order_anomalies ORDER BY id DESC LIMIT ?"), arguments: [limit]
            ).map { OrderAnomaly(orderID: $0["order_id"], detail: $0["detail"], recordedAt: Date(timeIntervalSince1970: $0["recorded_at"])) }
        }
    }

    public func orderAnomalies(orderID: String) async throws -> [String] {
        try await read { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT detail FROM order_anomalies WHERE order_id = ? ORDER BY id"), arguments: [orderID])
        }
    }

    public func claimSourceCheck(orderID: String, now: Date, interval: TimeInterval) async throws -> Bool {
        try await writer.write { db in
            try db.run("""
                    UPDATE orders SET source_checked_at = ?
                    WHERE id = ? AND (source_checked_at IS NULL OR source_checked_at <= ?)
                    """, [now.timeIntervalSince1970, orderID, now.timeIntervalSince1970 - interval])
            return db.changesCount == 1
        }
    }
}
