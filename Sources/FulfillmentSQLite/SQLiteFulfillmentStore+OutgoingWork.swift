import Foundation
import FulfillmentCore
import GRDB

// The outgoing work a change brings (emails, dispatches), queued in the change's own transaction.
extension SQLiteFulfillmentStore {
    /// Queues the emails and dispatches a change brings, in the change's transaction; what is queued already
    /// (same dedupe key, same dispatch id) stays as it is.
    static func enqueue(_ outgoing: Outgoing, now: Date, in db: Database) throws {
        for email in outgoing.emails { try enqueue(email, now: now, in: db) }
        for dispatch in outgoing.dispatches {
            try db.run(
                """
                INSERT INTO dispatches (id, channel, type, subject_id, payload, status, created_at, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (id) DO NOTHING
                """,
                [
                    dispatch.id, dispatch.channel, dispatch.type, dispatch.subjectID, dispatch.payload,
                    now.timeIntervalSince1970, now.timeIntervalSince1970,
                ])
        }
    }
}
