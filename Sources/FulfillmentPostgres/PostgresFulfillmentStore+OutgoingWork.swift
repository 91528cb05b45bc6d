import Foundation
import FulfillmentCore
import NIOCore
import PostgresNIO

extension PostgresFulfillmentStore {
    /// One transaction whose queued work rings this process's workers once it has committed (the others hear
    /// of it through the NOTIFY the outbox's trigger sends).
    func transactionQueueing<Result: Sendable>(
        _ body: (PostgresConnection, QueuedWork) async throws -> Result
    ) async throws -> Result {
        let queued = QueuedWork()
        let result = try await transaction { connection in try await body(connection, queued) }
        bells.ring(for: queued.outgoing)
        return result
    }

    /// Wakes the outgoing workers of every instance (this one's at once; the others through NOTIFY) for work
    /// an update made due again (a replay), which the insert triggers do not see.
    func wakeOutgoing() async throws {
        bells.ringOutgoing()
        try await query("SELECT pg_notify(\(Self.notificationChannel), 'outbox')")
    }

    /// Queues the emails and dispatches a change brings, in the change's transaction; what is queued already
    /// (same dedupe key, same dispatch id) stays as it is.
    func enqueue(_ outgoing: Outgoing, now: Date, on connection: PostgresConnection, noting queued: QueuedWork) async throws {
        queued.note(outgoing)
        for email in outgoing.emails { try await enqueue(email, now: now, on: connection) }
        for dispatch in outgoing.dispatches {
            try await connection.query(
                """
                INSERT INTO dispatches (id, channel, type, subject_id, payload, status, created_at, next_attempt_at, trace_parent)
                VALUES (\(dispatch.id), \(dispatch.channel), \(dispatch.type), \(dispatch.subjectID),
                        \(ByteBuffer(bytes: dispatch.payload)), 'pending', \(now), \(now), \(dispatch.traceParent))
                ON CONFLICT (id) DO NOTHING
                """, logger: logger)
        }
    }

    /// Gives back claims a stopping instance will not finish (the inbox's, the outbox's or the dispatches'; the
    /// three share the queue shape): due at once, the claim's attempt uncounted, only while the lease runs. The
    /// other instances are told in the same transaction (NOTIFY on commit), so they take the work now, not when
    /// the lease would have ended.
    func releaseClaims<ID: PostgresArrayEncodable & PostgresNonThrowingEncodable>(
        in table: String, ids: [ID], now: Date, waking channel: String
    ) async throws {
        guard !ids.isEmpty else { return }
        try await transaction { connection in
            try await connection.query(
                """
                UPDATE \(unescaped: table) SET lease_until = NULL, attempts = greatest(attempts - 1, 0)
                WHERE id = ANY(\(ids)) AND status = 'pending' AND lease_until > \(now)
                """, logger: logger)
            try await connection.query("SELECT pg_notify(\(Self.notificationChannel), \(channel))", logger: logger)
        }
    }
}
