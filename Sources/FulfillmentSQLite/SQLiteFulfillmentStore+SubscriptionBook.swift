public import Foundation
public import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    public func subscription(id: String) async throws -> StoredSubscription? {
        try await pointRead { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM subscriptions WHERE subscription_id = ?"), arguments: [id]).map(Self.subscription)
        }
    }

    public func saveSubscription(_ subscription: StoredSubscription, expectedVersion: Int?, outgoing: Outgoing, now: Date) async throws -> Bool {
        try await writeQueueing { db, queued in
            let stored = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT version FROM subscriptions WHERE subscription_id = ?"), arguments: [subscription.id])
            // The compare-and-set: only the version the change was decided on (none, for a new one) may be replaced.
            guard stored == expectedVersion else { return false }
            let e = subscription.entitlement
            try db.run(
                """
                INSERT INTO subscriptions (subscription_id, account, customer_id, customer_email, customer_name, language, access, valid_until,
                    past_due_since, cancel_at_period_end, price_ids_json, settled_invoices_json, noticed_failures_json, version,
                    created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (subscription_id) DO UPDATE SET
                    customer_email = excluded.customer_email, customer_name = excluded.customer_name, language = excluded.language, access = excluded.access,
                    valid_until = excluded.valid_until, past_due_since = excluded.past_due_since,
                    cancel_at_period_end = excluded.cancel_at_period_end, price_ids_json = excluded.price_ids_json,
                    settled_invoices_json = excluded.settled_invoices_json, noticed_failures_json = excluded.noticed_failures_json,
                    version = excluded.version, updated_at = excluded.updated_at
                """,
                [
                    subscription.id, subscription.account, subscription.customerID, subscription.customerEmail, subscription.customerName,
                    subscription.language?.rawValue, e.access.rawValue, e.validUntil.timeIntervalSince1970,
                    e.pastDueSince?.timeIntervalSince1970, e.cancelAtPeriodEnd, try Self.json(e.priceIDs), try Self.json(e.settledInvoices),
                    try Self.json(e.noticedFailures), e.version, subscription.createdAt.timeIntervalSince1970,
                    subscription.updatedAt.timeIntervalSince1970,
                ])
            try Self.enqueue(outgoing, now: now, in: db, noting: queued)
            return true
        }
    }

    public func pastDueSubscriptions(since before: Date, limit: Int) async throws -> [StoredSubscription] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT * FROM subscriptions WHERE access = 'past_due' AND past_due_since < ?
                        ORDER BY past_due_since, subscription_id LIMIT ?
                        """),
                arguments: [before.timeIntervalSince1970, limit]
            ).map(Self.subscription)
        }
    }

    public func subscriptionsPastTheirPeriod(before: Date, limit: Int) async throws -> [StoredSubscription] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT * FROM subscriptions WHERE access <> 'ended' AND valid_until < ?
                        ORDER BY valid_until, subscription_id LIMIT ?
                        """),
                arguments: [before.timeIntervalSince1970, limit]
            ).map(Self.subscription)
        }
    }

    static func json(_ values: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
    }

    static func subscription(_ row: Row) throws -> StoredSubscription {
        func strings(_ column: String) throws -> [String] {
            try JSONDecoder().decode([String].self, from: Data((row[column] as String).utf8))
        }
        let access: String = row["access"]
        guard let known = SubscriptionEntitlement.Access(rawValue: access) else {
            throw DatabaseError(message: "unknown subscriptions.access \(access)")
        }
        let entitlement = SubscriptionEntitlement(
            subscriptionID: row["subscription_id"], access: known, validUntil: Date(timeIntervalSince1970: row["valid_until"]),
            pastDueSince: (row["past_due_since"] as Double?).map(Date.init(timeIntervalSince1970:)), cancelAtPeriodEnd: row["cancel_at_period_end"],
            priceIDs: try strings("price_ids_json"), settledInvoices: try strings("settled_invoices_json"),
            noticedFailures: try strings("noticed_failures_json"), version: row["version"])
        return StoredSubscription(
            entitlement: entitlement, account: row["account"], customerID: row["customer_id"], customerEmail: row["customer_email"],
            customerName: row["customer_name"],
            language: (row["language"] as String?).flatMap(CustomerLanguage.init(rawValue:)),
            createdAt: Date(timeIntervalSince1970: row["created_at"]), updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }
}
