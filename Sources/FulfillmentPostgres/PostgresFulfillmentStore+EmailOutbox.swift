public import Foundation
public import FulfillmentCore
import PostgresNIO

extension PostgresFulfillmentStore {
    static let outboxColumns =
        "id, dedupe_key, recipient, subject, body, attempts, created_at, next_attempt_at, lease_until, sent_at, last_error"

    /// Queues `email` unless one with its dedupe key exists (sent at most once per key).
    func enqueue(_ email: OutboundEmail, now: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO outbox (dedupe_key, recipient, subject, body, created_at, next_attempt_at)
            VALUES (\(email.dedupeKey), \(email.recipient), \(email.subject), \(email.body), \(now), \(now))
            ON CONFLICT (dedupe_key) DO NOTHING
            """, logger: logger)
    }

    /// Two instances never claim one email: the rows are locked as they are leased, and skipped by others.
    public func claimEmails(limit: Int, now: Date, leaseUntil: Date) async throws -> [QueuedEmail] {
        let rows = try await query(
            """
            UPDATE outbox SET lease_until = \(leaseUntil), attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM outbox
                WHERE sent_at IS NULL AND next_attempt_at <= \(now) AND (lease_until IS NULL OR lease_until <= \(now))
                ORDER BY id LIMIT \(limit)
                FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Self.outboxColumns)
            """)
        return try await outboxRows(rows).sorted { ($0.id ?? 0) < ($1.id ?? 0) }.map(\.claimed)
    }

    public func markEmailSent(id: Int64, now: Date) async throws {
        try await query("UPDATE outbox SET sent_at = \(now), lease_until = NULL, last_error = NULL WHERE id = \(id)")
    }

    public func markEmailFailed(id: Int64, error: String, retryAt: Date, now: Date) async throws {
        try await query("UPDATE outbox SET last_error = \(error), next_attempt_at = \(retryAt), lease_until = NULL WHERE id = \(id)")
    }

    public func outboxBacklog() async throws -> Int {
        var count = 0
        for try await value in try await query("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").decode(Int.self) { count = value }
        return count
    }

    public func emails(dedupeKeyPrefix: String?) async throws -> [OutboxEntry] {
        try await outboxRows(
            query(
                """
                SELECT \(unescaped: Self.outboxColumns) FROM outbox
                WHERE (\(dedupeKeyPrefix)::text IS NULL OR starts_with(dedupe_key, \(dedupeKeyPrefix))) ORDER BY id
                """)
        ).map(\.entry)
    }

    private func outboxRows(_ rows: PostgresRowSequence) async throws -> [OutboxRow] {
        var result: [OutboxRow] = []
        for try await (id, key, recipient, subject, body, attempts, createdAt, nextAttemptAt, leaseUntil, sentAt, lastError)
            in rows.decode((Int64, String, String, String, String, Int, Date, Date, Date?, Date?, String?).self)
        {
            result.append(
                OutboxRow(
                    id: id, dedupeKey: key, recipient: recipient, subject: subject, body: body, attempts: attempts,
                    createdAt: createdAt, nextAttemptAt: nextAttemptAt, leaseUntil: leaseUntil, sentAt: sentAt, lastError: lastError))
        }
        return result
    }
}
