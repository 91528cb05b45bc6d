public import Foundation
public import FulfillmentCore
import NIOCore
import PostgresNIO

extension PostgresFulfillmentStore {
    static let inboxColumns =
        "id, type, object_id, payload, status, attempts, received_at, next_attempt_at, processed_at, last_error, origin, trace_parent"

    public func insertEvent(_ event: InboxEvent) async throws -> InboxInsertOutcome {
        try await insertEvents([event])[0]
    }

    /// One statement for the whole batch (group commit: one round trip and one commit for many webhooks).
    /// Columns go as arrays; an empty string stands for a missing object id or note.
    /// Group commit for the inbox: events from concurrent webhook requests share one insert statement and one
    /// commit, and each request is answered once the statement holding its event has committed.
    public func receiveEvent(_ event: InboxEvent, completion: @escaping @Sendable (Result<InboxInsertOutcome, any Error>) -> Void) {
        guard arriving.add((event, completion)) else { return }
        Task {
            while true {
                let batch = arriving.nextBatch()
                guard !batch.isEmpty else { return }
                do {
                    let outcomes = try await insertEvents(batch.map(\.event))
                    for (entry, outcome) in zip(batch, outcomes) { entry.completion(.success(outcome)) }
                } catch {
                    for entry in batch { entry.completion(.failure(error)) }
                }
            }
        }
    }

    public func insertEvents(_ events: [InboxEvent]) async throws -> [InboxInsertOutcome] {
        guard !events.isEmpty else { return [] }
        let rows = try await query(
            """
            INSERT INTO inbox_events (\(unescaped: Self.inboxColumns), lease_until)
            SELECT id, type, NULLIF(object_id, ''), payload, status, attempts, received_at, next_attempt_at,
                   CASE WHEN has_processed THEN processed_at END, NULLIF(last_error, ''), origin, NULLIF(trace_parent, ''),
                   CASE WHEN has_lease THEN lease_until END
            FROM unnest(\(events.map(\.id))::text[], \(events.map(\.type))::text[], \(events.map { $0.objectID ?? "" })::text[],
                        \(events.map { ByteBuffer(bytes: $0.payload) })::bytea[], \(events.map(\.status.rawValue))::text[],
                        \(events.map(\.attempts))::bigint[],
                        \(events.map(\.receivedAt))::timestamptz[], \(events.map(\.nextAttemptAt))::timestamptz[],
                        \(events.map { $0.processedAt != nil })::bool[], \(events.map { $0.processedAt ?? $0.receivedAt })::timestamptz[],
                        \(events.map { $0.lastError ?? "" })::text[], \(events.map(\.origin.rawValue))::text[],
                        \(events.map { $0.traceParent ?? "" })::text[],
                        \(events.map { $0.leaseUntil != nil })::bool[], \(events.map { $0.leaseUntil ?? $0.receivedAt })::timestamptz[])
                 WITH ORDINALITY AS batch(id, type, object_id, payload, status, attempts, received_at, next_attempt_at, has_processed,
                                          processed_at, last_error, origin, trace_parent, has_lease, lease_until, position)
            ORDER BY position
            ON CONFLICT (id) DO NOTHING
            RETURNING id
            """)
        var inserted: Set<String> = []
        for try await id in rows.decode(String.self) { inserted.insert(id) }
        // A batch may hold one event twice (a redelivery racing the first delivery): the first is the insert.
        let outcomes: [InboxInsertOutcome] = events.map { inserted.remove($0.id) != nil ? .inserted : .duplicate }
        // Events stored claimed are handed to their worker by the caller; the others wait for any worker (the
        // other instances hear of them through the trigger's NOTIFY).
        if zip(events, outcomes).contains(where: { $0.status == .pending && $0.leaseUntil == nil && $1 == .inserted }) {
            bells.ringEvents()
        }
        return outcomes
    }

    public func claimEvents(limit: Int, now: Date, leaseUntil: Date) async throws -> [InboxEvent] {
        let rows = try await query(
            """
            UPDATE inbox_events SET lease_until = \(leaseUntil), attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM inbox_events
                WHERE status = 'pending' AND next_attempt_at <= \(now) AND (lease_until IS NULL OR lease_until <= \(now))
                ORDER BY received_at, seq LIMIT \(limit)
                FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Self.inboxColumns), seq
            """)
        var claimed: [(event: InboxEvent, seq: Int64)] = []
        for try await (id, type, objectID, payload, status, attempts, receivedAt, nextAttemptAt, processedAt, lastError, origin, traceParent, seq)
            in rows.decode((String, String, String?, ByteBuffer, String, Int, Date, Date, Date?, String?, String, String?, Int64).self)
        {
            let event = try Self.event(
                id, type, objectID, payload, status, attempts, receivedAt, nextAttemptAt, processedAt, lastError, origin, traceParent)
            claimed.append((event, seq))
        }
        return claimed.sorted { ($0.event.receivedAt, $0.seq) < ($1.event.receivedAt, $1.seq) }.map(\.event)
    }

    public func releaseEvents(ids: [String], now: Date) async throws {
        try await releaseClaims(in: "inbox_events", ids: ids, now: now, waking: "events")
    }

    public func completeEvent(id: String, status: InboxEventStatus, note: String?, now: Date) async throws {
        try await query(
            """
            UPDATE inbox_events SET status = \(status.rawValue), processed_at = \(now), last_error = \(note), lease_until = NULL
            WHERE id = \(id)
            """)
    }

    public func failEvent(id: String, error: String, retryAt: Date?, parkAs: InboxEventStatus, now: Date) async throws {
        if let retryAt {
            try await query(
                "UPDATE inbox_events SET last_error = \(error), next_attempt_at = \(retryAt), lease_until = NULL WHERE id = \(id)")
        } else {
            try await query(
                """
                UPDATE inbox_events SET status = \(parkAs.rawValue), last_error = \(error), processed_at = \(now), lease_until = NULL
                WHERE id = \(id)
                """)
        }
    }

    public func listEvents(matching filter: EventFilter, limit: Int) async throws -> [InboxEvent] {
        try await events(
            query(
                """
                SELECT \(unescaped: Self.inboxColumns) FROM inbox_events
                WHERE (\(filter.status?.rawValue)::text IS NULL OR status = \(filter.status?.rawValue))
                  AND (\(filter.type)::text IS NULL OR type = \(filter.type))
                  AND (\(filter.objectID)::text IS NULL OR object_id = \(filter.objectID))
                ORDER BY received_at DESC, seq DESC LIMIT \(limit)
                """))
    }

    public func event(id: String) async throws -> InboxEvent? {
        try await events(query("SELECT \(unescaped: Self.inboxColumns) FROM inbox_events WHERE id = \(id)")).first
    }

    /// Back in the queue, and every instance told at once.
    public func replayEvent(id: String, now: Date) async throws -> Bool {
        let replayed = try await transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE inbox_events SET status = 'pending', next_attempt_at = \(now), attempts = 0, lease_until = NULL
                WHERE id = \(id) RETURNING id
                """, logger: logger)
            guard try await rows.collect().count == 1 else { return false }
            try await connection.query("SELECT pg_notify(\(Self.notificationChannel), 'events')", logger: logger)
            return true
        }
        if replayed { bells.ringEvents() }
        return replayed
    }

    public func pruneEvents(payloadsBefore: Date, rowsBefore: Date) async throws -> PruneResult {
        try await transaction { connection in
            let deleted = try await connection.query(
                "DELETE FROM inbox_events WHERE status IN ('processed', 'ignored') AND processed_at < \(rowsBefore) RETURNING id",
                logger: logger
            ).collect().count
            let dropped = try await connection.query(
                """
                UPDATE inbox_events SET payload = ''::bytea
                WHERE status IN ('processed', 'ignored') AND processed_at < \(payloadsBefore) AND length(payload) > 0
                RETURNING id
                """, logger: logger
            ).collect().count
            return PruneResult(payloadsDropped: dropped, rowsDeleted: deleted)
        }
    }

    public func eventCounts() async throws -> [InboxEventStatus: Int] {
        var counts: [InboxEventStatus: Int] = [:]
        for try await (status, count) in try await query("SELECT status, COUNT(*) FROM inbox_events GROUP BY status")
            .decode((String, Int).self)
        {
            if let status = InboxEventStatus(rawValue: status) { counts[status] = count }
        }
        return counts
    }

    private func events(_ rows: PostgresRowSequence) async throws -> [InboxEvent] {
        var events: [InboxEvent] = []
        for try await (id, type, objectID, payload, status, attempts, receivedAt, nextAttemptAt, processedAt, lastError, origin, traceParent)
            in rows.decode((String, String, String?, ByteBuffer, String, Int, Date, Date, Date?, String?, String, String?).self)
        {
            events.append(
                try Self.event(
                    id, type, objectID, payload, status, attempts, receivedAt, nextAttemptAt, processedAt, lastError, origin, traceParent))
        }
        return events
    }

    static func event(
        _ id: String, _ type: String, _ objectID: String?, _ payload: ByteBuffer, _ status: String, _ attempts: Int,
        _ receivedAt: Date, _ nextAttemptAt: Date, _ processedAt: Date?, _ lastError: String?, _ origin: String, _ traceParent: String?
    ) throws -> InboxEvent {
        guard let status = InboxEventStatus(rawValue: status) else { throw UnknownStoredValue(column: "inbox_events.status", value: status) }
        guard let origin = InboxEventOrigin(rawValue: origin) else { throw UnknownStoredValue(column: "inbox_events.origin", value: origin) }
        return InboxEvent(
            id: id, type: type, objectID: objectID, payload: Data(payload.readableBytesView), status: status, attempts: attempts,
            receivedAt: receivedAt, nextAttemptAt: nextAttemptAt, processedAt: processedAt, lastError: lastError, origin: origin,
            traceParent: traceParent)
    }
}
