public import Foundation
public import FulfillmentCore
import PostgresNIO

extension PostgresFulfillmentStore {
    static let subscriptionColumns = """
        subscription_id, account, customer_id, customer_email, customer_name, language, access, valid_until, past_due_since, cancel_at_period_end, \
        price_ids::text, settled_invoices::text, noticed_failures::text, version, created_at, updated_at
        """

    public func subscription(id: String) async throws -> StoredSubscription? {
        try await subscriptions(query("SELECT \(unescaped: Self.subscriptionColumns) FROM subscriptions WHERE subscription_id = \(id)")).first
    }

    public func saveSubscription(_ subscription: StoredSubscription, expectedVersion: Int?, outgoing: Outgoing, now: Date) async throws -> Bool {
        let e = subscription.entitlement
        let prices = try Self.json(e.priceIDs), settled = try Self.json(e.settledInvoices), noticed = try Self.json(e.noticedFailures)
        return try await transactionQueueing { connection, queued in
            // The compare-and-set: an insert only when there is none; an update only of the version decided on.
            let rows: PostgresRowSequence
            if let expectedVersion {
                rows = try await connection.query(
                    """
                    UPDATE subscriptions SET customer_email = \(subscription.customerEmail), customer_name = \(subscription.customerName),
                        language = \(subscription.language?.rawValue),
                        access = \(e.access.rawValue), valid_until = \(e.validUntil), past_due_since = \(e.pastDueSince),
                        cancel_at_period_end = \(e.cancelAtPeriodEnd), price_ids = \(prices)::jsonb, settled_invoices = \(settled)::jsonb,
                        noticed_failures = \(noticed)::jsonb, version = \(e.version), updated_at = \(subscription.updatedAt)
                    WHERE subscription_id = \(subscription.id) AND version = \(expectedVersion)
                    RETURNING subscription_id
                    """, logger: logger)
            } else {
                rows = try await connection.query(
                    """
                    INSERT INTO subscriptions (subscription_id, account, customer_id, customer_email, customer_name, language, access, valid_until,
                        past_due_since, cancel_at_period_end, price_ids, settled_invoices, noticed_failures, version, created_at, updated_at)
                    VALUES (\(subscription.id), \(subscription.account), \(subscription.customerID), \(subscription.customerEmail),
                        \(subscription.customerName), \(subscription.language?.rawValue), \(e.access.rawValue), \(e.validUntil), \(e.pastDueSince), \(e.cancelAtPeriodEnd),
                        \(prices)::jsonb, \(settled)::jsonb, \(noticed)::jsonb, \(e.version), \(subscription.createdAt), \(subscription.updatedAt))
                    ON CONFLICT (subscription_id) DO NOTHING
                    RETURNING subscription_id
                    """, logger: logger)
            }
            guard try await rows.collect().count == 1 else { return false }
            try await enqueue(outgoing, now: now, on: connection, noting: queued)
            return true
        }
    }

    public func pastDueSubscriptions(since before: Date, limit: Int) async throws -> [StoredSubscription] {
        try await subscriptions(
            query(
                """
                SELECT \(unescaped: Self.subscriptionColumns) FROM subscriptions
                WHERE access = 'past_due' AND past_due_since < \(before) ORDER BY past_due_since, subscription_id LIMIT \(limit)
                """))
    }

    public func subscriptionsPastTheirPeriod(before: Date, limit: Int) async throws -> [StoredSubscription] {
        try await subscriptions(
            query(
                """
                SELECT \(unescaped: Self.subscriptionColumns) FROM subscriptions
                WHERE access <> 'ended' AND valid_until < \(before) ORDER BY valid_until, subscription_id LIMIT \(limit)
                """))
    }

    static func json(_ values: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
    }

    private func subscriptions(_ rows: PostgresRowSequence) async throws -> [StoredSubscription] {
        var found: [StoredSubscription] = []
        for try await (id, account, customer, email, name, language, access, validUntil, pastDueSince, cancelAtEnd, prices, settled, noticed, version,
                       createdAt, updatedAt)
            in rows.decode((String, String?, String, String?, String?, String?, String, Date, Date?, Bool, String, String, String, Int, Date, Date).self)
        {
            guard let known = SubscriptionEntitlement.Access(rawValue: access) else {
                throw UnknownStoredValue(column: "subscriptions.access", value: access)
            }
            let decode = { (text: String) throws -> [String] in try JSONDecoder().decode([String].self, from: Data(text.utf8)) }
            found.append(
                StoredSubscription(
                    entitlement: SubscriptionEntitlement(
                        subscriptionID: id, access: known, validUntil: validUntil, pastDueSince: pastDueSince, cancelAtPeriodEnd: cancelAtEnd,
                        priceIDs: try decode(prices), settledInvoices: try decode(settled), noticedFailures: try decode(noticed),
                        version: version),
                    account: account, customerID: customer, customerEmail: email, customerName: name, language: language.flatMap(CustomerLanguage.init(rawValue:)),
                    createdAt: createdAt, updatedAt: updatedAt))
        }
        return found
    }
}
