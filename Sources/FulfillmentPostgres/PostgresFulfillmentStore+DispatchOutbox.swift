public import Foundation
public import FulfillmentCore
import NIOCore
import PostgresNIO

extension PostgresFulfillmentStore {
    static let dispatchColumns =
        "id, channel, type, subject_id, payload, status, attempts, created_at, next_attempt_at, lease_until, delivered_at, last_error, trace_parent"

    /// Two instances never claim one dispatch: the rows are locked as they are leased, and skipped by others.
    public func claimDispatches(limit: Int, now: Date, leaseUntil: Date) async throws -> [QueuedDispatch] {
        let rows = try await query(
            """
            UPDATE dispatches SET lease_until = \(leaseUntil), attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM dispatches
                WHERE status = 'pending' AND next_attempt_at <= \(now) AND (lease_until IS NULL OR lease_until <= \(now))
                ORDER BY created_at, id LIMIT \(limit)
                FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Self.dispatchColumns)
            """)
        return try await dispatchRows(rows).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }.map(\.claimed)
    }

    public func releaseDispatches(ids: [String], now: Date) async throws {
        try await releaseClaims(in: "dispatches", ids: ids, now: now, waking: "outbox")
    }

    public func markDispatchDelivered(id: String, now: Date) async throws {
        try await query(
            "UPDATE dispatches SET status = 'delivered', delivered_at = \(now), lease_until = NULL, last_error = NULL WHERE id = \(id)")
    }

    public func markDispatchFailed(id: String, error: String, retryAt: Date?, now: Date) async throws {
        if let retryAt {
            try await query(
                "UPDATE dispatches SET last_error = \(error), next_attempt_at = \(retryAt), lease_until = NULL WHERE id = \(id)")
        } else {
            try await query("UPDATE dispatches SET status = 'dead', last_error = \(error), lease_until = NULL WHERE id = \(id)")
        }
    }

    public func dispatches(status: DispatchStatus?, subjectID: String?, limit: Int) async throws -> [DispatchEntry] {
        try await dispatchRows(
            query(
                """
                SELECT \(unescaped: Self.dispatchColumns) FROM dispatches
                WHERE (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
                  AND (\(subjectID)::text IS NULL OR subject_id = \(subjectID))
                ORDER BY created_at, id LIMIT \(limit)
                """)
        ).map(\.entry)
    }

    public func dispatch(id: String) async throws -> DispatchEntry? {
        try await dispatchRows(query("SELECT \(unescaped: Self.dispatchColumns) FROM dispatches WHERE id = \(id)")).first?.entry
    }

    public func dispatchCounts() async throws -> [DispatchStatus: Int] {
        var counts: [DispatchStatus: Int] = [:]
        for try await (status, count) in try await query("SELECT status, COUNT(*) FROM dispatches GROUP BY status").decode((String, Int).self) {
            if let status = DispatchStatus(rawValue: status) { counts[status] = count }
        }
        return counts
    }

    public func replayDispatch(id: String, now: Date) async throws -> Bool {
        let rows = try await query(
            """
            UPDATE dispatches SET status = 'pending', next_attempt_at = \(now), lease_until = NULL, delivered_at = NULL
            WHERE id = \(id) RETURNING id
            """)
        guard try await rows.collect().count == 1 else { return false }
        try await wakeOutgoing()
        return true
    }

    private func dispatchRows(_ rows: PostgresRowSequence) async throws -> [DispatchRow] {
        var result: [DispatchRow] = []
        for try await (id, channel, type, subjectID, payload, status, attempts, createdAt, nextAttemptAt, leaseUntil, deliveredAt, lastError, traceParent)
            in rows.decode((String, String, String, String, ByteBuffer, String, Int, Date, Date, Date?, Date?, String?, String?).self)
        {
            result.append(
                DispatchRow(
                    id: id, channel: channel, type: type, subjectID: subjectID, payload: Data(payload.readableBytesView),
                    status: DispatchStatus(rawValue: status) ?? .pending, attempts: attempts, createdAt: createdAt,
                    nextAttemptAt: nextAttemptAt, leaseUntil: leaseUntil, deliveredAt: deliveredAt, lastError: lastError,
                    traceParent: traceParent))
        }
        return result
    }
}
