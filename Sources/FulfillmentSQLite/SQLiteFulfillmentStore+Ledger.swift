import Foundation
public import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    public func checkoutRecord(sessionID: String) async throws -> CheckoutRecord? {
        try await pool.read { db in try Self.record(sessionID, in: db) }
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
                try CheckoutRow(write.record).upsert(db)
                for (sku, taken) in write.stockTaken {
                    try db.run("UPDATE stock SET quantity = quantity - ? WHERE sku = ?", [taken, sku])
                }
                for row in write.lineRows { try row.insert(db) }
                try write.payment.upsert(db)
                if let receipt = write.receipt { try Self.enqueue(receipt, now: plan.now, in: db) }
                return .committed(write.record)
            }
        }
    }

    public func transitionCheckout(_ transition: CheckoutTransition) async throws -> TransitionOutcome {
        try await writer.write { db in
            let decision = Ledger.transition(transition, current: try Self.record(transition.sessionID, in: db))
            if case .apply(let row, let email) = decision {
                try row.upsert(db)
                if let email { try Self.enqueue(email, now: transition.now, in: db) }
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
