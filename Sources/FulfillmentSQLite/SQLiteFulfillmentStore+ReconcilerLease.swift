public import Foundation
public import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    public func reconcilerState() async throws -> ReconcilerState {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM reconciler_state WHERE id = 1") else { return ReconcilerState() }
            func date(_ column: String) -> Date? { (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
            return ReconcilerState(
                watermark: date("watermark"), leaseHolder: row["lease_holder"], leaseUntil: date("lease_until"),
                lastStartedAt: date("last_started_at"), lastFinishedAt: date("last_finished_at"), lastSummary: row["last_summary"])
        }
    }

    public func claimReconciler(holder: String, now: Date, leaseUntil: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE reconciler_state SET
                        last_started_at = CASE WHEN lease_holder IS ? THEN last_started_at ELSE ? END,
                        lease_holder = ?, lease_until = ?
                    WHERE id = 1 AND (lease_holder IS NULL OR lease_holder = ? OR lease_until <= ?)
                    """,
                arguments: [holder, now.timeIntervalSince1970, holder, leaseUntil.timeIntervalSince1970, holder, now.timeIntervalSince1970])
            return db.changesCount == 1
        }
    }

    public func finishReconciliation(holder: String, watermark: Date?, summary: String, now: Date) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE reconciler_state SET watermark = COALESCE(?, watermark), last_finished_at = ?, last_summary = ?,
                        lease_holder = NULL, lease_until = NULL
                    WHERE id = 1 AND lease_holder = ?
                    """,
                arguments: [watermark?.timeIntervalSince1970, now.timeIntervalSince1970, summary, holder])
        }
    }
}
