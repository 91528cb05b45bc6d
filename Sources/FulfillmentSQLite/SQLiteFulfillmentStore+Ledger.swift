import Foundation
public import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    public func checkoutRecord(sessionID: String) async throws -> CheckoutRecord? {
        try pointRead { db in try Self.record(sessionID, in: db) }
    }

    public func commitFulfillment(_ plan: FulfillmentPlan) async throws -> FulfillmentCommit {
        // SQLite holds the write lock for the whole transaction: what is read here cannot change before the
        // write, so the decision is the compare and the write is the set.
        try await writer.write { db in
            let current = try Self.record(plan.sessionID, in: db)
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
                try Self.upsert(CheckoutRow(write.record), in: db)
                for (sku, taken) in write.stockTaken {
                    try db.run("UPDATE stock SET quantity = quantity - ? WHERE sku = ?", [taken, sku])
                }
                for row in write.lineRows { try Self.insert(row, in: db) }
                try Self.upsert(write.payment, in: db)
                try Self.enqueue(write.outgoing, now: plan.now, in: db)
                return .committed(write.record)
            }
        }
    }

    public func transitionCheckout(_ transition: CheckoutTransition) async throws -> TransitionOutcome {
        try await writer.write { db in
            let decision = Ledger.transition(transition, current: try Self.record(transition.sessionID, in: db))
            if case .apply(let row, let outgoing) = decision {
                try Self.upsert(row, in: db)
                try Self.enqueue(outgoing, now: transition.now, in: db)
            }
            return decision.outcome
        }
    }

    public func entitlement(token: String) async throws -> Entitlement? {
        try await pool.read { db in
            guard let line = try CheckoutLineRow.filter(CheckoutLineRow.Columns.accessToken == token).fetchOne(db) else {
                return nil
            }
            let checkout = try CheckoutRow.fetchOne(db, key: line.sessionID)
            return Entitlement(
                token: token, sessionID: line.sessionID, description: line.description, customerEmail: checkout?.customerEmail)
        }
    }

    /// Inserts or replaces the session's row. Explicit SQL through the statement cache: GRDB's Codable upsert
    /// builds its statement anew each time, which showed in the service's profile.
    static func upsert(_ row: CheckoutRow, in db: Database) throws {
        let shipping = try row.shipping.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try db.run(
            """
            INSERT INTO checkouts (session_id, status, customer_email, customer_name, amount_total, currency, shipping_json,
                                   created_at, updated_at, fulfilled_at, language)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (session_id) DO UPDATE SET
                status = excluded.status, customer_email = excluded.customer_email, customer_name = excluded.customer_name,
                amount_total = excluded.amount_total, currency = excluded.currency, shipping_json = excluded.shipping_json,
                updated_at = excluded.updated_at, fulfilled_at = excluded.fulfilled_at, language = excluded.language
            """,
            [
                row.sessionID, row.status.rawValue, row.customerEmail, row.customerName, row.amountTotal, row.currency, shipping,
                row.createdAt.timeIntervalSince1970, row.updatedAt.timeIntervalSince1970, row.fulfilledAt?.timeIntervalSince1970,
                row.language?.rawValue,
            ])
    }

    /// Inserts a line of a fulfilled session, as `upsert` does its session: through the statement cache. GRDB's
    /// Codable insert encoded the row through a container and ran on the group commit's one thread, where
    /// every commit of a burst waits its turn (2.3% of the service's CPU at 16 sessions at once). The columns
    /// are the row's coding keys, in their order: a key added without its value here fails every insert.
    static func insert(_ row: CheckoutLineRow, in db: Database) throws {
        try db.run(
            insertLineSQL,
            [
                row.sessionID, row.lineItemID, row.position, row.description, row.quantity, row.amountTotal, row.currency,
                row.productID, row.action, row.sku, row.outcome.rawValue, row.accessToken, row.accessURL, row.shipmentID,
                row.servedQuantity, row.backorderedQuantity, row.performedAt.timeIntervalSince1970,
            ])
    }

    private static let insertLineSQL: String = {
        let columns = CheckoutLineRow.CodingKeys.allCases.map(\.rawValue)
        return "INSERT INTO checkout_lines (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
    }()

    static func upsert(_ payment: PaymentRow, in db: Database) throws {
        try db.run(
            """
            INSERT INTO payments (session_id, payment_intent, amount_total, currency, session_json, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (session_id) DO UPDATE SET session_json = excluded.session_json
            """,
            [
                payment.sessionID, payment.paymentIntent, payment.amountTotal, payment.currency, payment.sessionJSON,
                payment.recordedAt.timeIntervalSince1970,
            ])
    }

    static func record(_ sessionID: String, in db: Database) throws -> CheckoutRecord? {
        guard let row = try CheckoutRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM checkouts WHERE session_id = ?"), arguments: [sessionID])
        else { return nil }
        let lines = try CheckoutLineRow.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM checkout_lines WHERE session_id = ? ORDER BY position"), arguments: [sessionID])
        return CheckoutRecord(row, lines: lines)
    }
}

extension CheckoutLineRow {
    enum Columns {
        static let sessionID = Column(CodingKeys.sessionID)
        static let accessToken = Column(CodingKeys.accessToken)
    }
}
