public import Foundation
public import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    public func claimDispatches(limit: Int, now: Date, leaseUntil: Date) async throws -> [QueuedDispatch] {
        try await writeBookkeeping { db in
            let rows = try DispatchRow.fetchAll(
                db.cachedStatement(sql: """
                    SELECT * FROM dispatches
                    WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                    ORDER BY created_at, rowid LIMIT ?
                    """),
                arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, limit])
            return try rows.map { row in
                var claimed = row
                claimed.attempts += 1
                try db.run(
                    "UPDATE dispatches SET lease_until = ?, attempts = ? WHERE id = ?",
                    [leaseUntil.timeIntervalSince1970, claimed.attempts, row.id])
                return claimed.claimed
            }
        }
    }

    public func releaseDispatches(ids: [String], now: Date) async throws {
        try await releaseClaims(in: "dispatches", ids: ids, now: now)
    }

    public func markDispatchDelivered(id: String, now: Date) async throws {
        try await writer.write { db in
            try db.run(
                "UPDATE dispatches SET status = 'delivered', delivered_at = ?, lease_until = NULL, last_error = NULL WHERE id = ?",
                [now.timeIntervalSince1970, id])
        }
    }

    public func markDispatchFailed(id: String, error: String, retryAt: Date?, now: Date) async throws {
        try await writer.write { db in
            if let retryAt {
                try db.run(
                    "UPDATE dispatches SET last_error = ?, next_attempt_at = ?, lease_until = NULL WHERE id = ?",
                    [error, retryAt.timeIntervalSince1970, id])
            } else {
                try db.run("UPDATE dispatches SET status = 'dead', last_error = ?, lease_until = NULL WHERE id = ?", [error, id])
            }
        }
    }

    public func dispatches(status: DispatchStatus?, subjectID: String?, limit: Int) async throws -> [DispatchEntry] {
        try await read { db in
            try DispatchRow.fetchAll(
                db.cachedStatement(sql: """
                    SELECT * FROM dispatches WHERE (? IS NULL OR status = ?) AND (? IS NULL OR subject_id = ?)
                    ORDER BY created_at, rowid LIMIT ?
                    """),
                arguments: [status?.rawValue, status?.rawValue, subjectID, subjectID, limit]
            ).map(\.entry)
        }
    }

    public func dispatch(id: String) async throws -> DispatchEntry? {
        try await pointRead { db in try DispatchRow.fetchOne(db, key: id)?.entry }
    }

    public func dispatchCounts() async throws -> [DispatchStatus: Int] {
        try await read { db in
            var counts: [DispatchStatus: Int] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT status, COUNT(*) AS n FROM dispatches GROUP BY status")) {
                if let status = DispatchStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    public func replayDispatch(id: String, now: Date) async throws -> Bool {
        let replayed = try await writer.write { db in
            try db.run(
                "UPDATE dispatches SET status = 'pending', next_attempt_at = ?, lease_until = NULL, delivered_at = NULL WHERE id = ?",
                [now.timeIntervalSince1970, id])
            return db.changesCount == 1
        }
        if replayed { bells.ringDispatches() }
        return replayed
    }
}
