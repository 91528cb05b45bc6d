import Foundation
public import FulfillmentCore
import GRDB
import StripeAPI

extension SQLiteFulfillmentStore {
    public func checkoutRecord(sessionID: String) async throws -> CheckoutRecord? {
        try await pool.read { db in try Self.record(sessionID, in: db) }
    }

    public func commitFulfillment(_ plan: FulfillmentPlan) async throws -> FulfillmentCommit {
        try await pool.write { db in
            let current = try String.fetchOne(db, sql: "SELECT status FROM checkouts WHERE session_id = ?", arguments: [plan.sessionID])
                .flatMap(CheckoutStatus.init(rawValue:))
            guard CheckoutStatus.fulfilled.canFollow(current) else {
                return .alreadyFulfilled(try Self.record(plan.sessionID, in: db)!)
            }
            // The compare-and-set: the row moves to fulfilled only from a status that allows it. SQLite holds
            // the write lock for the whole transaction, so no other writer sees the row in between.
            try db.execute(
                sql: """
                    INSERT INTO checkouts (session_id, status, customer_email, customer_name, amount_total, currency,
                                           shipping_json, created_at, updated_at, fulfilled_at)
                    VALUES (?, 'fulfilled', ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (session_id) DO UPDATE SET
                        status = 'fulfilled', customer_email = excluded.customer_email,
                        customer_name = excluded.customer_name, amount_total = excluded.amount_total,
                        currency = excluded.currency, shipping_json = excluded.shipping_json,
                        updated_at = excluded.updated_at, fulfilled_at = excluded.fulfilled_at
                    WHERE checkouts.status <> 'fulfilled'
                    """,
                arguments: [
                    plan.sessionID, plan.customerEmail, plan.customerName, plan.amountTotal, plan.currency,
                    try plan.shipping.map(Self.json), plan.now.timeIntervalSince1970, plan.now.timeIntervalSince1970,
                    plan.now.timeIntervalSince1970,
                ])
            guard db.changesCount == 1 else { return .alreadyFulfilled(try Self.record(plan.sessionID, in: db)!) }
            var lines: [FulfilledLine] = []
            for (position, line) in plan.lines.enumerated() {
                let available = try line.action.sku.flatMap {
                    try Int.fetchOne(db, sql: "SELECT quantity FROM stock WHERE sku = ?", arguments: [$0])
                }
                let token = LinePerformer.newToken()
                let result = LinePerformer.perform(line, available: available, plan: plan, token: token)
                if let sku = line.action.sku, available != nil, result.stockTaken > 0 {
                    try db.execute(
                        sql: "UPDATE stock SET quantity = quantity - ? WHERE sku = ?", arguments: [result.stockTaken, sku])
                }
                try Self.insert(result.line, position: position, token: token, sessionID: plan.sessionID, in: db)
                lines.append(result.line)
            }
            try db.execute(
                sql: """
                    INSERT INTO payments (session_id, payment_intent, amount_total, currency, session_json, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (session_id) DO UPDATE SET session_json = excluded.session_json
                    """,
                arguments: [plan.sessionID, plan.paymentIntentID, plan.amountTotal, plan.currency, plan.sessionJSON, plan.now.timeIntervalSince1970])
            if let receipt = plan.receipt(lines) { try Self.enqueue(receipt, now: plan.now, in: db) }
            return .committed(try Self.record(plan.sessionID, in: db)!)
        }
    }

    public func transitionCheckout(_ transition: CheckoutTransition) async throws -> TransitionOutcome {
        try await pool.write { db in
            let current = try String.fetchOne(
                db, sql: "SELECT status FROM checkouts WHERE session_id = ?", arguments: [transition.sessionID]
            ).flatMap(CheckoutStatus.init(rawValue:))
            guard transition.to.canFollow(current) else { return .refused(current: current!) }
            try db.execute(
                sql: """
                    INSERT INTO checkouts (session_id, status, customer_email, customer_name, amount_total, currency,
                                           created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (session_id) DO UPDATE SET
                        status = excluded.status,
                        customer_email = COALESCE(excluded.customer_email, checkouts.customer_email),
                        customer_name = COALESCE(excluded.customer_name, checkouts.customer_name),
                        amount_total = COALESCE(excluded.amount_total, checkouts.amount_total),
                        currency = COALESCE(excluded.currency, checkouts.currency),
                        updated_at = excluded.updated_at
                    """,
                arguments: [
                    transition.sessionID, transition.to.rawValue, transition.customerEmail, transition.customerName,
                    transition.amountTotal, transition.currency, transition.now.timeIntervalSince1970,
                    transition.now.timeIntervalSince1970,
                ])
            if let email = transition.email { try Self.enqueue(email, now: transition.now, in: db) }
            return .applied
        }
    }

    public func entitlement(token: String) async throws -> Entitlement? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT l.session_id, l.description, c.customer_email FROM checkout_lines l
                    JOIN checkouts c ON c.session_id = l.session_id WHERE l.access_token = ?
                    """,
                arguments: [token]
            ).map { Entitlement(token: token, sessionID: $0["session_id"], description: $0["description"], customerEmail: $0["customer_email"]) }
        }
    }

    static func insert(_ line: FulfilledLine, position: Int, token: String, sessionID: String, in db: Database) throws {
        var outcome = "recorded", accessURL: String?, accessToken: String?, shipmentID: String?
        var served = line.quantity, backordered = 0
        switch line.outcome {
        case .accessGranted(let url):
            outcome = "access_granted"
            accessURL = url
            accessToken = token
        case .shipped(let id, let quantity, let missing):
            outcome = "shipped"
            shipmentID = id
            served = quantity
            backordered = missing
        case .stockTaken(let quantity, let missing):
            outcome = "stock_taken"
            served = quantity
            backordered = missing
        case .recorded:
            break
        }
        try db.execute(
            sql: """
                INSERT INTO checkout_lines (session_id, line_item_id, position, description, quantity, amount_total, currency,
                    product_id, action, sku, outcome, access_token, access_url, shipment_id, served_quantity,
                    backordered_quantity, performed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                sessionID, line.lineItemID, position, line.description, line.quantity, line.amountTotal, line.currency,
                line.productID, line.action.kind, line.action.sku, outcome, accessToken, accessURL, shipmentID, served,
                backordered, line.performedAt.timeIntervalSince1970,
            ])
    }

    static func record(_ sessionID: String, in db: Database) throws -> CheckoutRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM checkouts WHERE session_id = ?", arguments: [sessionID]),
            let status = CheckoutStatus(rawValue: row["status"])
        else { return nil }
        let lines = try Row.fetchAll(
            db, sql: "SELECT * FROM checkout_lines WHERE session_id = ? ORDER BY position", arguments: [sessionID]
        ).map(line(from:))
        let shipping = try (row["shipping_json"] as String?).map {
            try JSONDecoder().decode(ShippingDetails.self, from: Data($0.utf8))
        }
        return CheckoutRecord(
            sessionID: sessionID, status: status, customerEmail: row["customer_email"], customerName: row["customer_name"],
            amountTotal: row["amount_total"], currency: row["currency"], shipping: shipping,
            createdAt: Date(timeIntervalSince1970: row["created_at"]), updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
            fulfilledAt: (row["fulfilled_at"] as Double?).map(Date.init(timeIntervalSince1970:)), lines: lines)
    }

    static func line(from row: Row) -> FulfilledLine {
        let outcome: LineOutcome
        switch row["outcome"] as String {
        case "access_granted": outcome = .accessGranted(accessURL: row["access_url"] ?? "")
        case "shipped":
            outcome = .shipped(shipmentID: row["shipment_id"] ?? "", quantity: row["served_quantity"], backordered: row["backordered_quantity"])
        case "stock_taken": outcome = .stockTaken(quantity: row["served_quantity"], backordered: row["backordered_quantity"])
        default: outcome = .recorded
        }
        return FulfilledLine(
            lineItemID: row["line_item_id"], description: row["description"], quantity: row["quantity"],
            amountTotal: row["amount_total"], currency: row["currency"], productID: row["product_id"],
            action: LineItemAction(kind: row["action"], sku: row["sku"]), outcome: outcome,
            performedAt: Date(timeIntervalSince1970: row["performed_at"]))
    }

    static func json(_ shipping: ShippingDetails) throws -> String {
        String(decoding: try JSONEncoder().encode(shipping), as: UTF8.self)
    }
}
