public import Foundation
public import FulfillmentCore
import NIOCore
import PostgresNIO

// The outgoing work a change brings (emails, dispatches), queued in the change's own transaction.
extension PostgresFulfillmentStore {
    /// Queues the emails and dispatches a change brings, in the change's transaction; what is queued already
    /// (same dedupe key, same dispatch id) stays as it is.
    func enqueue(_ outgoing: Outgoing, now: Date, on connection: PostgresConnection) async throws {
        for email in outgoing.emails { try await enqueue(email, now: now, on: connection) }
        for dispatch in outgoing.dispatches {
            try await connection.query(
                """
                INSERT INTO dispatches (id, channel, type, subject_id, payload, status, created_at, next_attempt_at)
                VALUES (\(dispatch.id), \(dispatch.channel), \(dispatch.type), \(dispatch.subjectID),
                        \(ByteBuffer(bytes: dispatch.payload)), 'pending', \(now), \(now))
                ON CONFLICT (id) DO NOTHING
                """, logger: logger)
        }
    }
}
