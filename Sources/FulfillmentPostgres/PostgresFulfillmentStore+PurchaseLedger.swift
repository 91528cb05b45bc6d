import Foundation
public import FulfillmentCore
import NIOCore
import PostgresNIO
import StripeAPI

extension PostgresFulfillmentStore {
    public func purchaseSubjectID(paymentIntent: String) async throws -> String? {
        var found: String?
        for try await sessionID in try await query(
            "SELECT subject_id FROM purchase_payments WHERE payment_intent = \(paymentIntent) LIMIT 1"
        ).decode(String.self) { found = sessionID }
        return found
    }

    /// The advisory-lock namespace of ledger decisions (the second key is the subject id's hash): instances
    /// deciding about one purchase take turns, even before its row exists.
    static let ledgerLockClass: Int32 = 0x4C45_4447  // "LEDG"

    static let purchaseColumns =
        "subject_id, kind, status, customer_email, customer_name, amount_total, currency, shipping_json, created_at, updated_at, fulfilled_at, language, account"
    static let lineColumns = """
        subject_id, line_item_id, position, description, quantity, amount_total, currency, product_id, action, sku, outcome, \
        access_token, access_url, shipment_id, served_quantity, backordered_quantity, performed_at
        """

    public func purchase(subjectID: String) async throws -> Purchase? {
        try await ready.wait()
        return try await client.withConnection { connection in try await record(subjectID, on: connection) }
    }

    public func commitFulfillment(_ plan: FulfillmentPlan) async throws -> FulfillmentCommit {
        try await transactionQueueing { connection, queued in
            try await lockPurchase(plan.subjectID, on: connection)
            let current = try await record(plan.subjectID, on: connection)
            // Stock rows are locked in sku order, so sessions sharing skus never deadlock; a concurrent
            // fulfilment on another instance waits here and then reads what this one left.
            let skus = Set(plan.lines.compactMap(\.action.sku)).sorted()
            var stock: [String: Int] = [:]
            if !skus.isEmpty {
                let rows = try await connection.query(
                    "SELECT sku, quantity FROM stock WHERE sku = ANY(\(skus)::text[]) ORDER BY sku FOR UPDATE", logger: logger)
                for try await (sku, quantity) in rows.decode((String, Int).self) { stock[sku] = quantity }
            }
            switch Ledger.fulfil(plan, current: current, stock: stock) {
            case .alreadyFulfilled(let record):
                return .alreadyFulfilled(record)
            case .fulfil(let write):
                try await upsert(PurchaseRow(write.record), on: connection)
                for (sku, taken) in write.stockTaken.sorted(by: { $0.key < $1.key }) {
                    try await connection.query("UPDATE stock SET quantity = quantity - \(taken) WHERE sku = \(sku)", logger: logger)
                }
                for row in write.lineRows { try await insert(row, on: connection) }
                let payment = write.payment
                try await connection.query(
                    """
                    INSERT INTO purchase_payments (subject_id, payment_intent, amount_total, currency, object_json, recorded_at)
                    VALUES (\(payment.subjectID), \(payment.paymentIntent), \(payment.amountTotal), \(payment.currency),
                            \(ByteBuffer(bytes: payment.objectJSON)), \(payment.recordedAt))
                    ON CONFLICT (subject_id) DO UPDATE SET object_json = EXCLUDED.object_json
                    """, logger: logger)
                try await enqueue(write.outgoing, now: plan.now, on: connection, noting: queued)
                return .committed(write.record)
            }
        }
    }

    public func transitionPurchase(_ transition: PurchaseTransition) async throws -> TransitionOutcome {
        try await transactionQueueing { connection, queued in
            try await lockPurchase(transition.subjectID, on: connection)
            let decision = Ledger.transition(transition, current: try await record(transition.subjectID, on: connection))
            if case .apply(let row, let outgoing) = decision {
                try await upsert(row, on: connection)
                try await enqueue(outgoing, now: transition.now, on: connection, noting: queued)
            }
            return decision.outcome
        }
    }

    public func entitlement(token: String) async throws -> Entitlement? {
        let rows = try await query(
            """
            SELECT l.subject_id, l.description, p.customer_email FROM purchase_lines l
            JOIN purchases p ON p.subject_id = l.subject_id WHERE l.access_token = \(token)
            """)
        var found: Entitlement?
        for try await (subjectID, description, email) in rows.decode((String, String, String?).self) {
            found = Entitlement(token: token, subjectID: subjectID, description: description, customerEmail: email)
        }
        return found
    }

    func lockPurchase(_ subjectID: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(\(Self.ledgerLockClass), hashtext(\(subjectID)))", logger: logger)
    }

    public func purchasePayment(subjectID: String) async throws -> PurchasePaymentRow? {
        for try await (subject, intent, amount, currency, object, recordedAt) in try await query(
            """
            SELECT subject_id, payment_intent, amount_total, currency, object_json, recorded_at
            FROM purchase_payments WHERE subject_id = \(subjectID)
            """
        ).decode((String, String?, Int?, String?, ByteBuffer, Date).self) {
            return PurchasePaymentRow(
                subjectID: subject, paymentIntent: intent, amountTotal: amount, currency: currency,
                objectJSON: Data(object.readableBytesView), recordedAt: recordedAt)
        }
        return nil
    }

    public func connectedAccounts() async throws -> [String] {
        var accounts: [String] = []
        for try await account in try await query(
            """
            SELECT account FROM purchases WHERE account IS NOT NULL
            UNION SELECT account FROM orders WHERE account IS NOT NULL
            ORDER BY 1
            """
        ).decode(String.self) {
            accounts.append(account)
        }
        return accounts
    }

    func record(_ subjectID: String, on connection: PostgresConnection) async throws -> Purchase? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.purchaseColumns) FROM purchases WHERE subject_id = \(subjectID)", logger: logger)
        var found: PurchaseRow?
        for try await columns in rows.decode(
            (String, String, String, String?, String?, Int?, String?, String?, Date, Date, Date?, String?, String?).self)
        {
            found = try Self.purchaseRow(columns)
        }
        guard let found else { return nil }
        let lineRows = try await connection.query(
            "SELECT \(unescaped: Self.lineColumns) FROM purchase_lines WHERE subject_id = \(subjectID) ORDER BY position",
            logger: logger)
        var lines: [PurchaseLineRow] = []
        for try await columns in lineRows.decode(
            (String, String, Int, String, Int, Int, String, String?, String, String?, String, String?, String?, String?, Int, Int, Date).self)
        {
            lines.append(try Self.lineRow(columns))
        }
        return Purchase(found, lines: lines)
    }

    private func upsert(_ row: PurchaseRow, on connection: PostgresConnection) async throws {
        let shipping = try row.shipping.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try await connection.query(
            """
            INSERT INTO purchases (\(unescaped: Self.purchaseColumns))
            VALUES (\(row.subjectID), \(row.kind.rawValue), \(row.status.rawValue), \(row.customerEmail), \(row.customerName), \(row.amountTotal),
                    \(row.currency), \(shipping), \(row.createdAt), \(row.updatedAt), \(row.fulfilledAt), \(row.language?.rawValue),
                    \(row.account))
            ON CONFLICT (subject_id) DO UPDATE SET
                status = EXCLUDED.status, customer_email = EXCLUDED.customer_email, customer_name = EXCLUDED.customer_name,
                amount_total = EXCLUDED.amount_total, currency = EXCLUDED.currency, shipping_json = EXCLUDED.shipping_json,
                updated_at = EXCLUDED.updated_at, fulfilled_at = EXCLUDED.fulfilled_at, language = EXCLUDED.language,
                account = coalesce(purchases.account, EXCLUDED.account)
            """, logger: logger)
    }

    private func insert(_ row: PurchaseLineRow, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO purchase_lines (\(unescaped: Self.lineColumns))
            VALUES (\(row.subjectID), \(row.lineItemID), \(row.position), \(row.description), \(row.quantity), \(row.amountTotal),
                    \(row.currency), \(row.productID), \(row.action), \(row.sku), \(row.outcome.rawValue),
                    \(row.accessToken), \(row.accessURL), \(row.shipmentID), \(row.servedQuantity), \(row.backorderedQuantity),
                    \(row.performedAt))
            """, logger: logger)
    }

    private static func purchaseRow(
        _ columns: (String, String, String, String?, String?, Int?, String?, String?, Date, Date, Date?, String?, String?)
    ) throws -> PurchaseRow {
        let (subjectID, kind, status, email, name, amount, currency, shipping, createdAt, updatedAt, fulfilledAt, language, account) = columns
        guard let kind = PurchaseKind(rawValue: kind) else { throw UnknownStoredValue(column: "purchases.kind", value: kind) }
        guard let status = PurchaseStatus(rawValue: status) else { throw UnknownStoredValue(column: "purchases.status", value: status) }
        return PurchaseRow(
            subjectID: subjectID, kind: kind, status: status, customerEmail: email, customerName: name, amountTotal: amount, currency: currency,
            shipping: try shipping.map { try JSONDecoder().decode(ShippingDetails.self, from: Data($0.utf8)) },
            createdAt: createdAt, updatedAt: updatedAt, fulfilledAt: fulfilledAt,
            language: language.flatMap(CustomerLanguage.init(rawValue:)), account: account)
    }

    private static func lineRow(
        _ columns: (String, String, Int, String, Int, Int, String, String?, String, String?, String, String?, String?, String?, Int, Int, Date)
    ) throws -> PurchaseLineRow {
        let (subjectID, lineItemID, position, description, quantity, amountTotal, currency, productID, action, sku, outcome,
             accessToken, accessURL, shipmentID, served, backordered, performedAt) = columns
        guard let outcomeKind = LineOutcome.Kind(rawValue: outcome) else {
            throw UnknownStoredValue(column: "purchase_lines.outcome", value: outcome)
        }
        return PurchaseLineRow(
            subjectID: subjectID, lineItemID: lineItemID, position: position, description: description, quantity: quantity,
            amountTotal: amountTotal, currency: currency, productID: productID, action: action, sku: sku,
            outcome: outcomeKind, accessToken: accessToken, accessURL: accessURL, shipmentID: shipmentID,
            servedQuantity: served, backorderedQuantity: backordered, performedAt: performedAt)
    }
}
