import Foundation
public import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    public func purchaseSubjectID(paymentIntent: String) async throws -> String? {
        try await read { db in
            try String.fetchOne(
                db.cachedStatement(sql: "SELECT subject_id FROM purchase_payments WHERE payment_intent = ? LIMIT 1"), arguments: [paymentIntent])
        }
    }

    public func purchasePayment(subjectID: String) async throws -> PurchasePaymentRow? {
        try await read { db in
            try PurchasePaymentRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM purchase_payments WHERE subject_id = ?"), arguments: [subjectID])
        }
    }

    public func connectedAccounts() async throws -> [String] {
        try await read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT account FROM purchases WHERE account IS NOT NULL
                    UNION SELECT account FROM orders WHERE account IS NOT NULL
                    ORDER BY 1
                    """)
        }
    }

    public func purchase(subjectID: String) async throws -> Purchase? {
        try await pointRead { db in try Self.record(subjectID, in: db) }
    }

    public func commitFulfillment(_ plan: FulfillmentPlan) async throws -> FulfillmentCommit {
        // SQLite holds the write lock for the whole transaction: what is read here cannot change before the
        // write, so the decision is the compare and the write is the set.
        try await writeQueueing { db, queued in
            let current = try Self.record(plan.subjectID, in: db)
            let skus = Set(plan.lines.compactMap(\.action.sku))
            var stock: [String: Int] = [:]
            for sku in skus {
                if let level = try Int.fetchOne(db.cachedStatement(sql: "SELECT quantity FROM stock WHERE sku = ?"), arguments: [sku]) {
                    stock[sku] = level
                }
            }
            switch Ledger.fulfil(plan, current: current, stock: stock) {
            case .alreadyFulfilled(let record):
                return .alreadyFulfilled(record)
            case .fulfil(let write):
                try Self.upsert(PurchaseRow(write.record), in: db)
                for (sku, taken) in write.stockTaken {
                    try db.run("UPDATE stock SET quantity = quantity - ? WHERE sku = ?", [taken, sku])
                }
                for row in write.lineRows { try Self.insert(row, in: db) }
                try Self.upsert(write.payment, in: db)
                try Self.enqueue(write.outgoing, now: plan.now, in: db, noting: queued)
                return .committed(write.record)
            }
        }
    }

    public func transitionPurchase(_ transition: PurchaseTransition) async throws -> TransitionOutcome {
        try await writeQueueing { db, queued in
            let decision = Ledger.transition(transition, current: try Self.record(transition.subjectID, in: db))
            if case .apply(let row, let outgoing) = decision {
                try Self.upsert(row, in: db)
                try Self.enqueue(outgoing, now: transition.now, in: db, noting: queued)
            }
            return decision.outcome
        }
    }

    public func entitlement(token: String) async throws -> Entitlement? {
        try await read { db in
            guard let line = try PurchaseLineRow.filter(PurchaseLineRow.Columns.accessToken == token).fetchOne(db) else {
                return nil
            }
            let checkout = try PurchaseRow.fetchOne(db, key: line.subjectID)
            return Entitlement(
                token: token, subjectID: line.subjectID, description: line.description, customerEmail: checkout?.customerEmail)
        }
    }

    /// Inserts or replaces the purchase's row. Explicit SQL through the statement cache: GRDB's Codable upsert
    /// builds its statement anew each time, which showed in the service's profile.
    static func upsert(_ row: PurchaseRow, in db: Database) throws {
        let shipping = try row.shipping.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try db.run(
            """
            INSERT INTO purchases (subject_id, kind, status, customer_email, customer_name, amount_total, currency, shipping_json,
                                   created_at, updated_at, fulfilled_at, language, account)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (subject_id) DO UPDATE SET
                status = excluded.status, customer_email = excluded.customer_email, customer_name = excluded.customer_name,
                amount_total = excluded.amount_total, currency = excluded.currency, shipping_json = excluded.shipping_json,
                updated_at = excluded.updated_at, fulfilled_at = excluded.fulfilled_at, language = excluded.language,
                account = coalesce(purchases.account, excluded.account)
            """,
            [
                row.subjectID, row.kind.rawValue, row.status.rawValue, row.customerEmail, row.customerName, row.amountTotal, row.currency, shipping,
                row.createdAt.timeIntervalSince1970, row.updatedAt.timeIntervalSince1970, row.fulfilledAt?.timeIntervalSince1970,
                row.language?.rawValue, row.account,
            ])
    }

    /// Inserts a line of a fulfilled purchase, as `upsert` does its purchase: through the statement cache. GRDB's
    /// Codable insert encoded the row through a container and ran on the group commit's one thread, where
    /// every commit of a burst waits its turn (2.3% of the service's CPU at 16 sessions at once). The columns
    /// are the row's coding keys, in their order: a key added without its value here fails every insert.
    static func insert(_ row: PurchaseLineRow, in db: Database) throws {
        try db.run(
            insertLineSQL,
            [
                row.subjectID, row.lineItemID, row.position, row.description, row.quantity, row.amountTotal, row.currency,
                row.productID, row.action, row.sku, row.outcome.rawValue, row.accessToken, row.accessURL, row.shipmentID,
                row.servedQuantity, row.backorderedQuantity, row.performedAt.timeIntervalSince1970,
            ])
    }

    private static let insertLineSQL: String = {
        let columns = PurchaseLineRow.CodingKeys.allCases.map(\.rawValue)
        return "INSERT INTO purchase_lines (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
    }()

    static func upsert(_ payment: PurchasePaymentRow, in db: Database) throws {
        try db.run(
            """
            INSERT INTO purchase_payments (subject_id, payment_intent, amount_total, currency, object_json, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (subject_id) DO UPDATE SET object_json = excluded.object_json
            """,
            [
                payment.subjectID, payment.paymentIntent, payment.amountTotal, payment.currency, payment.objectJSON,
                payment.recordedAt.timeIntervalSince1970,
            ])
    }

    static func record(_ subjectID: String, in db: Database) throws -> Purchase? {
        guard let row = try PurchaseRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM purchases WHERE subject_id = ?"), arguments: [subjectID])
        else { return nil }
        let lines = try PurchaseLineRow.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM purchase_lines WHERE subject_id = ? ORDER BY position"), arguments: [subjectID])
        return Purchase(row, lines: lines)
    }
}

extension PurchaseLineRow {
    enum Columns {
        static let subjectID = Column(CodingKeys.subjectID)
        static let accessToken = Column(CodingKeys.accessToken)
    }
}
