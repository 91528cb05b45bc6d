public import Foundation
public import FulfillmentCore
import PostgresNIO

extension PostgresFulfillmentStore {
    static let outboxColumns =
        "id, dedupe_key, recipient, subject, body, status, attempts, created_at, next_attempt_at, lease_until, sent_at, last_error, trace_parent"

    /// Queues `email` unless one with its dedupe key exists (sent at most once per key).
    func enqueue(_ email: OutboundEmail, now: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO outbox (dedupe_key, recipient, subject, body, created_at, next_attempt_at, trace_parent)
            VALUES (\(email.dedupeKey), \(email.recipient), \(email.subject), \(email.body), \(now), \(now), \(email.traceParent))
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
                WHERE status = 'pending' AND next_attempt_at <= \(now) AND (lease_until IS NULL OR lease_until <= \(now))
                ORDER BY id LIMIT \(limit)
                FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Self.outboxColumns)
            """)
        return try await outboxRows(rows).sorted { ($0.id ?? 0) < ($1.id ?? 0) }.map(\.claimed)
    }

    public func releaseEmails(ids: [Int64], now: Date) async throws {
        try await releaseClaims(in: "outbox", ids: ids, now: now, waking: "outbox")
    }

    public func markEmailSent(id: Int64, now: Date) async throws {
        try await query(
            "UPDATE outbox SET status = 'sent', sent_at = \(now), lease_until = NULL, last_error = NULL WHERE id = \(id)")
    }

    public func markEmailFailed(id: Int64, error: String, retryAt: Date?, now: Date) async throws {
        if let retryAt {
            try await query("UPDATE outbox SET last_error = \(error), next_attempt_at = \(retryAt), lease_until = NULL WHERE id = \(id)")
        } else {
            try await query("UPDATE outbox SET status = 'dead', last_error = \(error), lease_until = NULL WHERE id = \(id)")
        }
    }

    public func emails(status: EmailStatus?, limit: Int) async throws -> [OutboxEntry] {
        try await outboxRows(
            query(
                """
                SELECT \(unescaped: Self.outboxColumns) FROM outbox
                WHERE (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)) ORDER BY id LIMIT \(limit)
                """)
        ).map(\.entry)
    }

    public func emailCounts() async throws -> [EmailStatus: Int] {
        var counts: [EmailStatus: Int] = [:]
        for try await (name, count) in try await query("SELECT status, COUNT(*) FROM outbox GROUP BY status").decode((String, Int).self) {
            if let status = EmailStatus(rawValue: name) { counts[status] = count }
        }
        return counts
    }

    public func replayEmail(id: Int64, now: Date) async throws -> Bool {
        let rows = try await query(
            """
            UPDATE outbox SET status = 'pending', next_attempt_at = \(now), lease_until = NULL
            WHERE id = \(id) AND status = 'dead' RETURNING id
            """)
        var replayed = false
        for try await _ in rows.decode(Int64.self) { replayed = true }
        if replayed { try await wakeOutgoing() }
        return replayed
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
        for try await (id, key, recipient, subject, body, status, attempts, createdAt, nextAttemptAt, leaseUntil, sentAt, lastError, traceParent)
            in rows.decode((Int64, String, String, String, String, String, Int, Date, Date, Date?, Date?, String?, String?).self)
        {
            guard let status = EmailStatus(rawValue: status) else { throw UnknownStoredValue(column: "outbox.status", value: status) }
            result.append(
                OutboxRow(
                    id: id, dedupeKey: key, recipient: recipient, subject: subject, body: body, status: status, attempts: attempts,
                    createdAt: createdAt, nextAttemptAt: nextAttemptAt, leaseUntil: leaseUntil, sentAt: sentAt, lastError: lastError,
                    traceParent: traceParent))
        }
        return result
    }
}
