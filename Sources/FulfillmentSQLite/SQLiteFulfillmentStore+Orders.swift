public import Foundation
public import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    public func insertOrder(_ order: Order) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO orders (id, version, status, amount, currency, customer_email, customer_name, items_json,
                        payment_method, usage, source_id, source_status, redirect_url, customer_id, charge_id, charge_status,
                        failure_reason, retry_url, created_at, updated_at, paid_at, canceled_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: try Self.columns(order))
        }
    }

    public func order(id: String) async throws -> Order? {
        try await pool.read { db in try Self.order(where: "id", id, in: db) }
    }

    public func order(sourceID: String) async throws -> Order? {
        try await pool.read { db in try Self.order(where: "source_id", sourceID, in: db) }
    }

    public func order(chargeID: String) async throws -> Order? {
        try await pool.read { db in try Self.order(where: "charge_id", chargeID, in: db) }
    }

    public func updateOrder(
        _ order: Order, expectedVersion: Int, email: OutboundEmail?, anomaly: String?, now: Date
    ) async throws -> Bool {
        try await pool.write { db in
            // The compare-and-set: only the version the change was decided on may be replaced.
            var arguments = try Self.columns(order)
            _ = arguments.append(contentsOf: [order.id, expectedVersion])
            try db.execute(
                sql: """
                    UPDATE orders SET id = ?, version = ?, status = ?, amount = ?, currency = ?, customer_email = ?,
                        customer_name = ?, items_json = ?, payment_method = ?, usage = ?, source_id = ?, source_status = ?,
                        redirect_url = ?, customer_id = ?, charge_id = ?, charge_status = ?, failure_reason = ?,
                        retry_url = ?, created_at = ?, updated_at = ?, paid_at = ?, canceled_at = ?
                    WHERE id = ? AND version = ?
                    """,
                arguments: arguments)
            guard db.changesCount == 1 else { return false }
            if let email { try Self.enqueue(email, now: now, in: db) }
            if let anomaly {
                try db.execute(
                    sql: "INSERT INTO order_anomalies (order_id, detail, recorded_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    arguments: [order.id, anomaly, now.timeIntervalSince1970])
            }
            return true
        }
    }

    public func orderAnomalies(orderID: String) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT detail FROM order_anomalies WHERE order_id = ? ORDER BY id", arguments: [orderID])
        }
    }

    static func columns(_ order: Order) throws -> StatementArguments {
        let items = String(decoding: try JSONEncoder().encode(order.items), as: UTF8.self)
        let values: [(any DatabaseValueConvertible)?] = [
            order.id, order.version, order.status.rawValue, order.amount, order.currency, order.customerEmail,
            order.customerName, items, order.paymentMethod, order.usage, order.sourceID, order.sourceStatus,
            order.redirectURL, order.customerID, order.chargeID, order.chargeStatus, order.failureReason, order.retryURL,
            order.createdAt.timeIntervalSince1970, order.updatedAt.timeIntervalSince1970,
            order.paidAt?.timeIntervalSince1970, order.canceledAt?.timeIntervalSince1970,
        ]
        return StatementArguments(values)
    }

    static func order(where column: String, _ value: String, in db: Database) throws -> Order? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM orders WHERE \(column) = ?", arguments: [value]),
            let status = OrderStatus(rawValue: row["status"])
        else { return nil }
        let items = try JSONDecoder().decode([OrderItem].self, from: Data((row["items_json"] as String).utf8))
        return Order(
            id: row["id"], version: row["version"], status: status, amount: row["amount"], currency: row["currency"],
            customerEmail: row["customer_email"], customerName: row["customer_name"], items: items,
            paymentMethod: row["payment_method"], usage: row["usage"], sourceID: row["source_id"],
            sourceStatus: row["source_status"], redirectURL: row["redirect_url"], customerID: row["customer_id"],
            chargeID: row["charge_id"], chargeStatus: row["charge_status"], failureReason: row["failure_reason"],
            retryURL: row["retry_url"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
            paidAt: (row["paid_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            canceledAt: (row["canceled_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}
