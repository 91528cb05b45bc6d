public import Foundation
public import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    /// Queues `email` unless one with its dedupe key exists (sent at most once per key).
    static func enqueue(_ email: OutboundEmail, now: Date, in db: Database) throws {
        try db.run("""
                INSERT INTO outbox (dedupe_key, recipient, subject, body, created_at, next_attempt_at, trace_parent)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING
                """, [email.dedupeKey, email.recipient, email.subject, email.body, now.timeIntervalSince1970, now.timeIntervalSince1970,
                     email.traceParent])
    }

    public func claimEmails(limit: Int, now: Date, leaseUntil: Date) async throws -> [QueuedEmail] {
        try await writeBookkeeping { db in
            let rows = try OutboxRow.fetchAll(db.cachedStatement(sql: """
                    SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                    ORDER BY id LIMIT ?
                    """),
                arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, limit])
            return try rows.map { row in
                var claimed = row
                claimed.attempts += 1
                try db.run("UPDATE outbox SET lease_until = ?, attempts = ? WHERE id = ?", [leaseUntil.timeIntervalSince1970, claimed.attempts, row.id])
                return claimed.claimed
            }
        }
    }

    public func releaseEmails(ids: [Int64], now: Date) async throws {
        try await releaseClaims(in: "outbox", ids: ids, now: now)
    }

    public func markEmailSent(id: Int64, now: Date) async throws {
        try await writer.write { db in
            try db.run(
                "UPDATE outbox SET status = 'sent', sent_at = ?, lease_until = NULL, last_error = NULL WHERE id = ?",
                [now.timeIntervalSince1970, id])
        }
    }

    public func markEmailFailed(id: Int64, error: String, retryAt: Date?, now: Date) async throws {
        try await writer.write { db in
            if let retryAt {
                try db.run(
                    "UPDATE outbox SET last_error = ?, next_attempt_at = ?, lease_until = NULL WHERE id = ?",
                    [error, retryAt.timeIntervalSince1970, id])
            } else {
                try db.run("UPDATE outbox SET status = 'dead', last_error = ?, lease_until = NULL WHERE id = ?", [error, id])
            }
        }
    }

    public func emails(status: EmailStatus?, limit: Int) async throws -> [OutboxEntry] {
        try await read { db in
            try OutboxRow.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM outbox WHERE (? IS NULL OR status = ?) ORDER BY id LIMIT ?"),
                arguments: [status?.rawValue, status?.rawValue, limit]
            ).map(\.entry)
        }
    }

    public func emailCounts() async throws -> [EmailStatus: Int] {
        try await read { db in
            var counts: [EmailStatus: Int] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")) {
                if let status = EmailStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    public func replayEmail(id: Int64, now: Date) async throws -> Bool {
        let replayed = try await writer.write { db in
            try db.run(
                "UPDATE outbox SET status = 'pending', next_attempt_at = ?, lease_until = NULL WHERE id = ? AND status = 'dead'",
                [now.timeIntervalSince1970, id])
            return db.changesCount == 1
        }
        if replayed { bells.ringEmails() }
        return replayed
    }

    public func emails(dedupeKeyPrefix: String?) async throws -> [OutboxEntry] {
        try await read { db in
            try OutboxRow.fetchAll(db.cachedStatement(sql: "SELECT * FROM outbox WHERE (? IS NULL OR substr(dedupe_key, 1, length(?)) = ?) ORDER BY id"),
                arguments: [dedupeKeyPrefix, dedupeKeyPrefix, dedupeKeyPrefix]
            ).map(\.entry)
        }
    }
}
