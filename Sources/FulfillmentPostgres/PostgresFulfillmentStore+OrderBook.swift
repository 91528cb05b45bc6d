public import Foundation
public import FulfillmentCore
import PostgresNIO
import StripeAPI

extension PostgresFulfillmentStore {
    static let orderColumns = """
        id, version, status, amount, currency, customer_email, customer_name, items_json, payment_method, usage, source_id, \
        source_status, redirect_url, customer_id, charge_id, charge_status, failure_reason, retry_url, created_at, updated_at, \
        paid_at, canceled_at, language, payment_flow, payment_intent_id, payment_intent_status, failed_attempt, account
        """

    public func insertOrder(_ order: Order) async throws {
        let items = String(decoding: try JSONEncoder().encode(order.items), as: UTF8.self)
        try await query(
            """
            INSERT INTO orders (\(unescaped: Self.orderColumns))
            VALUES (\(order.id), \(order.version), \(order.status.rawValue), \(order.amount), \(order.currency),
                    \(order.customerEmail), \(order.customerName), \(items), \(order.paymentMethod.rawValue), \(order.usage.rawValue),
                    \(order.sourceID), \(order.sourceStatus?.rawValue), \(order.redirectURL), \(order.customerID), \(order.chargeID),
                    \(order.chargeStatus?.rawValue), \(order.failureReason), \(order.retryURL), \(order.createdAt),
                    \(order.updatedAt), \(order.paidAt), \(order.canceledAt), \(order.language?.rawValue),
                    \(order.paymentFlow.rawValue), \(order.paymentIntentID), \(order.paymentIntentStatus?.rawValue), \(order.failedAttempt),
                    \(order.account))
            """)
    }

    public func order(id: String) async throws -> Order? {
        try await orders(query("SELECT \(unescaped: Self.orderColumns) FROM orders WHERE id = \(id)")).first
    }

    public func order(sourceID: String) async throws -> Order? {
        try await orders(query("SELECT \(unescaped: Self.orderColumns) FROM orders WHERE source_id = \(sourceID)")).first
    }

    public func order(paymentIntentID: String) async throws -> Order? {
        try await orders(query("SELECT \(unescaped: Self.orderColumns) FROM orders WHERE payment_intent_id = \(paymentIntentID)")).first
    }

    public func ordersAwaitingPayment(flow: OrderPaymentFlow, createdBefore: Date, limit: Int) async throws -> [Order] {
        try await orders(
            query(
                """
                SELECT \(unescaped: Self.orderColumns) FROM orders
                WHERE status = 'awaiting_payment' AND payment_flow = \(flow.rawValue) AND created_at < \(createdBefore)
                ORDER BY created_at, id LIMIT \(limit)
                """))
    }

    public func order(chargeID: String) async throws -> Order? {
        try await orders(query("SELECT \(unescaped: Self.orderColumns) FROM orders WHERE charge_id = \(chargeID)")).first
    }

    public func updateOrder(
        _ order: Order, expectedVersion: Int, outgoing: Outgoing, anomaly: String?, now: Date
    ) async throws -> Bool {
        let items = String(decoding: try JSONEncoder().encode(order.items), as: UTF8.self)
        return try await transactionQueueing { connection, queued in
            // The compare-and-set: only the version the change was decided on may be replaced.
            let rows = try await connection.query(
                """
                UPDATE orders SET version = \(order.version), status = \(order.status.rawValue), amount = \(order.amount),
                    currency = \(order.currency), customer_email = \(order.customerEmail), customer_name = \(order.customerName),
                    items_json = \(items), payment_method = \(order.paymentMethod.rawValue), usage = \(order.usage.rawValue),
                    source_id = \(order.sourceID), source_status = \(order.sourceStatus?.rawValue), redirect_url = \(order.redirectURL),
                    customer_id = \(order.customerID), charge_id = \(order.chargeID), charge_status = \(order.chargeStatus?.rawValue),
                    failure_reason = \(order.failureReason), retry_url = \(order.retryURL), created_at = \(order.createdAt),
                    updated_at = \(order.updatedAt), paid_at = \(order.paidAt), canceled_at = \(order.canceledAt),
                    language = \(order.language?.rawValue), payment_flow = \(order.paymentFlow.rawValue),
                    payment_intent_id = \(order.paymentIntentID), payment_intent_status = \(order.paymentIntentStatus?.rawValue),
                    failed_attempt = \(order.failedAttempt)
                WHERE id = \(order.id) AND version = \(expectedVersion)
                RETURNING id
                """, logger: logger)
            guard try await rows.collect().count == 1 else { return false }
            try await enqueue(outgoing, now: now, on: connection, noting: queued)
            if let anomaly {
                try await connection.query(
                    """
                    INSERT INTO order_anomalies (order_id, detail, recorded_at) VALUES (\(order.id), \(anomaly), \(now))
                    ON CONFLICT (order_id, detail) DO NOTHING
                    """, logger: logger)
            }
            return true
        }
    }

    public func recentAnomalies(limit: Int) async throws -> [OrderAnomaly] {
        var anomalies: [OrderAnomaly] = []
        for try await (orderID, detail, recordedAt) in try await query(
            "SELECT order_id, detail, recorded_at FROM order_anomalies ORDER BY id DESC LIMIT \(limit)"
        ).decode((String, String, Date).self) {
            anomalies.append(OrderAnomaly(orderID: orderID, detail: detail, recordedAt: recordedAt))
        }
        return anomalies
    }

    public func orderAnomalies(orderID: String) async throws -> [String] {
        var details: [String] = []
        for try await detail in try await query("SELECT detail FROM order_anomalies WHERE order_id = \(orderID) ORDER BY id")
            .decode(String.self)
        {
            details.append(detail)
        }
        return details
    }

    public func claimSourceCheck(orderID: String, now: Date, interval: TimeInterval) async throws -> Bool {
        let rows = try await query(
            """
            UPDATE orders SET source_checked_at = \(now)
            WHERE id = \(orderID) AND (source_checked_at IS NULL OR source_checked_at <= \(now.addingTimeInterval(-interval)))
            RETURNING id
            """)
        return try await rows.collect().count == 1
    }

    private func orders(_ rows: PostgresRowSequence) async throws -> [Order] {
        var orders: [Order] = []
        for try await (id, version, status, amount, currency, email, name, items, method, usage, sourceID, sourceStatus,
                       redirectURL, customerID, chargeID, chargeStatus, failureReason, retryURL, createdAt, updatedAt, paidAt, canceledAt,
                       language, flow, intentID, intentStatus, failedAttempt, account)
            in rows.decode(
                (String, Int, String, Int, String, String, String?, String, String, String, String?, String?, String?, String?,
                 String?, String?, String?, String, Date, Date, Date?, Date?, String?, String, String?, String?, String?, String?).self)
        {
            guard let status = OrderStatus(rawValue: status) else { throw UnknownStoredValue(column: "orders.status", value: status) }
            guard let method = OrderPaymentMethod(rawValue: method) else {
                throw UnknownStoredValue(column: "orders.payment_method", value: method)
            }
            orders.append(
                Order(
                    id: id, version: version, status: status, amount: amount, currency: currency, customerEmail: email,
                    customerName: name, items: try JSONDecoder().decode([OrderItem].self, from: Data(items.utf8)),
                    paymentMethod: method, usage: SourceUsage(rawValue: usage), paymentFlow: OrderPaymentFlow(rawValue: flow),
                    sourceID: sourceID, sourceStatus: sourceStatus.map(SourceStatus.init(rawValue:)), paymentIntentID: intentID,
                    paymentIntentStatus: intentStatus.map(PaymentIntentStatus.init(rawValue:)), failedAttempt: failedAttempt,
                    redirectURL: redirectURL, customerID: customerID,
                    chargeID: chargeID, chargeStatus: chargeStatus.map(ChargeStatus.init(rawValue:)), failureReason: failureReason,
                    retryURL: retryURL, createdAt: createdAt, updatedAt: updatedAt, paidAt: paidAt, canceledAt: canceledAt,
                    language: language.flatMap(CustomerLanguage.init(rawValue:)), account: account))
        }
        return orders
    }
}
