public import Foundation
public import FulfillmentCore
import GRDB

/// The embedded default store: SQLite through one GRDB `DatabasePool` (WAL: readers never block the
/// writer). SQLite serialises writers, so each compare-and-set runs inside one write transaction.
public final class SQLiteFulfillmentStore: FulfillmentStore {
    let pool: DatabasePool
    /// Every write goes through it: concurrent writes share one transaction and one sync.
    let writer: GroupCommitter

    /// How hard each commit pushes data to disk.
    public enum Synchronous: String, Sendable {
        /// Every commit is synced: an acknowledged event survives a power cut. One sync per group commit.
        case full = "FULL"
        /// WAL commits are not synced one by one: an acknowledged event survives a crash of the process, and
        /// the last commits may be lost on a power cut. Faster; the reference Python handler runs this way.
        case normal = "NORMAL"
    }

    /// Opens (creating if needed) the database at `path` and migrates it.
    public init(path: String, synchronous: Synchronous = .full) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(Double(Self.busyTimeoutMilliseconds) / 1000)
        configuration.prepareDatabase { db in
            // journal_size_limit: a WAL that grew under a burst is cut back once it has been checkpointed.
            try db.execute(
                sql: """
                    PRAGMA synchronous = \(synchronous.rawValue); PRAGMA foreign_keys = ON;
                    PRAGMA journal_size_limit = \(Self.walSizeLimit)
                    """)
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        writer = GroupCommitter(pool: pool, syncs: synchronous == .full)
        try SQLiteMigrations.migrator.migrate(pool)
    }

    /// A point read (an index lookup or two: tens of microseconds) on the calling thread, through GRDB's
    /// synchronous API. GRDB's async read sends the work to a reader's queue and the result back to the task:
    /// two thread switches, each a wait for a core when both are busy, and more than the read itself costs.
    /// On the worker's path (its ledger read before the re-fetch, its check for due events): in traced bursts
    /// of 16 on two cores, the ledger read went from 1.5 ms at p50 to 0.1 (README). Only for reads that cannot
    /// take long: the calling thread, one of Swift's small cooperative pool, waits meanwhile.
    func pointRead<T>(_ value: (Database) throws -> T) throws -> T {
        try pool.read(value)
    }

    // MARK: Inbox

    public func insertEvent(_ event: InboxEvent) async throws -> InboxInsertOutcome {
        try await insertEvents([event])[0]
    }

    public func insertEvents(_ events: [InboxEvent]) async throws -> [InboxInsertOutcome] {
        try await writer.write { db in
            try events.map { event in try Self.insert(event, in: db) }
        }
    }

    static func insert(_ event: InboxEvent, in db: Database) throws -> InboxInsertOutcome {
        // A cached statement: the hot path of webhook intake should not parse SQL for every event.
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO inbox_events (id, type, object_id, payload, status, attempts, received_at, next_attempt_at,
                                          processed_at, last_error, origin, lease_until)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
                """)
        try statement.execute(
            arguments: [
                event.id, event.type, event.objectID, event.payload, event.status.rawValue, event.attempts,
                event.receivedAt.timeIntervalSince1970, event.nextAttemptAt.timeIntervalSince1970,
                event.processedAt?.timeIntervalSince1970, event.lastError, event.origin.rawValue,
                event.leaseUntil?.timeIntervalSince1970,
            ])
        return db.changesCount == 1 ? .inserted : .duplicate
    }

    /// A write whose loss on a power cut costs nothing but a repeat, with no sync of its own: a claim (the
    /// event is simply claimable again), an event's outcome (handled again; handlers are idempotent), a retry
    /// time. The next synced commit makes it durable with everything before it.
    func writeBookkeeping<T: Sendable>(_ updates: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await writer.write(durable: false, updates)
    }

    public func claimEvents(limit: Int, now: Date, leaseUntil: Date) async throws -> [InboxEvent] {
        // Nothing due is answered by a reader: a claim's write waits for the group commit in flight, and the
        // worker asks after every event it finishes (most events now reach it claimed at intake).
        let anyDue = try pointRead { db in
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
        try await pool.read { db in
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

    public func recordOperatorAction(_ action: OperatorAction) async throws {
        try await writer.write { db in
            try db.run(
                "INSERT INTO operator_actions (at, actor, action, detail) VALUES (?, ?, ?, ?)",
                [action.at.timeIntervalSince1970, action.actor, action.action, action.detail])
        }
    }

    public func operatorActions(limit: Int) async throws -> [OperatorAction] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM operator_actions ORDER BY id DESC LIMIT ?"), arguments: [limit]).map {
                OperatorAction(at: Date(timeIntervalSince1970: $0["at"]), actor: $0["actor"], action: $0["action"], detail: $0["detail"])
            }
        }
    }

    public func event(id: String) async throws -> InboxEvent? {
        try await pool.read { db in try InboxEvent.fetchOne(db, key: id) }
    }

    public func replayEvent(id: String, now: Date) async throws -> Bool {
        try await writer.write { db in
            try db.run("""
                    UPDATE inbox_events SET status = 'pending', next_attempt_at = ?, attempts = 0, lease_until = NULL
                    WHERE id = ?
                    """, [now.timeIntervalSince1970, id])
            return db.changesCount == 1
        }
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
        try await pool.read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT status, COUNT(*) FROM inbox_events GROUP BY status"))
            var counts: [InboxEventStatus: Int] = [:]
            for row in rows {
                if let status = InboxEventStatus(rawValue: row[0]) { counts[status] = row[1] }
            }
            return counts
        }
    }
}
