public import Foundation
public import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    public func insertEvent(_ event: InboxEvent) async throws -> InboxInsertOutcome {
        try await insertEvents([event])[0]
    }

    public func insertEvents(_ events: [InboxEvent]) async throws -> [InboxInsertOutcome] {
        let outcomes = try await writer.write { db in
            try events.map { event in try Self.insert(event, in: db) }
        }
        // Events stored claimed are handed to their worker by the caller; the others wait for any worker.
        if zip(events, outcomes).contains(where: { $0.status == .pending && $0.leaseUntil == nil && $1 == .inserted }) {
            bells.ringEvents()
        }
        return outcomes
    }

    /// Straight into the group commit: SQLite's one batching loop (`GroupCommitter`) joins the event to
    /// every write that arrived meanwhile, webhooks and fulfilments alike.
    public func receiveEvent(_ event: InboxEvent, completion: @escaping @Sendable (Result<InboxInsertOutcome, any Error>) -> Void) {
        writer.enqueue({ db in try Self.insert(event, in: db) }) { [bells] result in
            if case .success(.inserted) = result, event.status == .pending, event.leaseUntil == nil { bells.ringEvents() }
            completion(result)
        }
    }

    static func insert(_ event: InboxEvent, in db: Database) throws -> InboxInsertOutcome {
        // A cached statement: the hot path of webhook intake should not parse SQL for every event.
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO inbox_events (id, type, object_id, payload, status, attempts, received_at, next_attempt_at,
                                          processed_at, last_error, origin, lease_until, trace_parent)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
                """)
        try statement.execute(
            arguments: [
                event.id, event.type, event.objectID, event.payload, event.status.rawValue, event.attempts,
                event.receivedAt.timeIntervalSince1970, event.nextAttemptAt.timeIntervalSince1970,
                event.processedAt?.timeIntervalSince1970, event.lastError, event.origin.rawValue,
                event.leaseUntil?.timeIntervalSince1970, event.traceParent,
            ])
        return db.changesCount == 1 ? .inserted : .duplicate
    }

    public func claimEvents(limit: Int, now: Date, leaseUntil: Date) async throws -> [InboxEvent] {
        // Nothing due is answered by a reader: a claim's write waits for the group commit in flight, and the
        // worker asks after every event it finishes (most events now reach it claimed at intake).
        let anyDue = try await pointRead { db in
            try Bool.fetchOne(
                db.cachedStatement(sql: """
                    SELECT EXISTS (SELECT 1 FROM inbox_events
                                   WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?))
                    """), arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970]) ?? false
        }
        guard anyDue else { return [] }
        return try await writeBookkeeping { db in
            var events = try InboxEvent.fetchAll(db.cachedStatement(sql: """
                    SELECT * FROM inbox_events
                    WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                    ORDER BY received_at, rowid LIMIT ?
                    """), arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, limit])
            for index in events.indices {
                try db.run("UPDATE inbox_events SET lease_until = ?, attempts = attempts + 1 WHERE id = ?", [leaseUntil.timeIntervalSince1970, events[index].id])
                events[index].attempts += 1
            }
            return events
        }
    }

    public func releaseEvents(ids: [String], now: Date) async throws {
        try await releaseClaims(in: "inbox_events", ids: ids, now: now)
    }

    public func completeEvent(id: String, status: InboxEventStatus, note: String?, now: Date) async throws {
        try await writeBookkeeping { db in
            try db.run("UPDATE inbox_events SET status = ?, processed_at = ?, last_error = ?, lease_until = NULL WHERE id = ?", [status.rawValue, now.timeIntervalSince1970, note, id])
        }
    }

    public func failEvent(id: String, error: String, retryAt: Date?, parkAs: InboxEventStatus, now: Date) async throws {
        try await writeBookkeeping { db in
            if let retryAt {
                try db.run("UPDATE inbox_events SET last_error = ?, next_attempt_at = ?, lease_until = NULL WHERE id = ?", [error, retryAt.timeIntervalSince1970, id])
            } else {
                try db.run("""
                        UPDATE inbox_events SET status = ?, last_error = ?, processed_at = ?, lease_until = NULL
                        WHERE id = ?
                        """, [parkAs.rawValue, error, now.timeIntervalSince1970, id])
            }
        }
    }

    public func listEvents(matching filter: EventFilter, limit: Int) async throws -> [InboxEvent] {
        try await read { db in
            try InboxEvent.fetchAll(db.cachedStatement(sql: """
                    SELECT * FROM inbox_events
                    WHERE (? IS NULL OR status = ?) AND (? IS NULL OR type = ?) AND (? IS NULL OR object_id = ?)
                    ORDER BY received_at DESC, rowid DESC LIMIT ?
                    """),
                arguments: [
                    filter.status?.rawValue, filter.status?.rawValue, filter.type, filter.type, filter.objectID, filter.objectID, limit,
                ])
        }
    }

    public func event(id: String) async throws -> InboxEvent? {
        try await read { db in try InboxEvent.fetchOne(db, key: id) }
    }

    public func replayEvent(id: String, now: Date) async throws -> Bool {
        let replayed = try await writer.write { db in
            try db.run("""
                    UPDATE inbox_events SET status = 'pending', next_attempt_at = ?, attempts = 0, lease_until = NULL
                    WHERE id = ?
                    """, [now.timeIntervalSince1970, id])
            return db.changesCount == 1
        }
        if replayed { bells.ringEvents() }
        return replayed
    }

    public func pruneEvents(payloadsBefore: Date, rowsBefore: Date) async throws -> PruneResult {
        try await writer.write { db in
            try db.run("DELETE FROM inbox_events WHERE status IN ('processed', 'ignored') AND processed_at < ?", [rowsBefore.timeIntervalSince1970])
            let deleted = db.changesCount
            try db.run("""
                    UPDATE inbox_events SET payload = X'' WHERE status IN ('processed', 'ignored') AND processed_at < ?
                        AND length(payload) > 0
                    """, [payloadsBefore.timeIntervalSince1970])
            return PruneResult(payloadsDropped: db.changesCount, rowsDeleted: deleted)
        }
    }

    public func eventCounts() async throws -> [InboxEventStatus: Int] {
        try await read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT status, COUNT(*) FROM inbox_events GROUP BY status"))
            var counts: [InboxEventStatus: Int] = [:]
            for row in rows {
                if let status = InboxEventStatus(rawValue: row[0]) { counts[status] = row[1] }
            }
            return counts
        }
    }
}
