import Foundation
import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    /// One write transaction whose queued work rings this process's workers once it has committed.
    func writeQueueing<T: Sendable>(_ body: @escaping @Sendable (Database, QueuedWork) throws -> T) async throws -> T {
        let queued = QueuedWork()
        let result = try await writer.write { db in try body(db, queued) }
        bells.ring(for: queued.outgoing)
        return result
    }

    /// Queues the emails and dispatches a change brings, in the change's transaction; what is queued already
    /// (same dedupe key, same dispatch id) stays as it is.
    static func enqueue(_ outgoing: Outgoing, now: Date, in db: Database, noting queued: QueuedWork) throws {
        queued.note(outgoing)
        for email in outgoing.emails { try enqueue(email, now: now, in: db) }
        for dispatch in outgoing.dispatches {
            try db.run(
                """
                INSERT INTO dispatches (id, channel, type, subject_id, payload, status, created_at, next_attempt_at, trace_parent)
                VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (id) DO NOTHING
                """,
                [
                    dispatch.id, dispatch.channel, dispatch.type, dispatch.subjectID, dispatch.payload,
                    now.timeIntervalSince1970, now.timeIntervalSince1970, dispatch.traceParent,
                ])
        }
    }

    /// Gives back claims a stopping instance will not finish (the inbox's, the outbox's or the dispatches'; the
    /// three share the queue shape): due at once, the claim's attempt uncounted, only while the lease runs.
    func releaseClaims(in table: String, ids: [some DatabaseValueConvertible & Sendable], now: Date) async throws {
        guard !ids.isEmpty else { return }
        try await writeBookkeeping { db in
            for id in ids {
                try db.run(
                    "UPDATE \(table) SET lease_until = NULL, attempts = max(attempts - 1, 0) WHERE id = ? AND status = 'pending' AND lease_until > ?",
                    [id, now.timeIntervalSince1970])
            }
        }
    }
}
