public import Foundation
public import FulfillmentCore
import PostgresNIO

extension PostgresFulfillmentStore {
    public func reconcilerState() async throws -> ReconcilerState {
        let rows = try await query(
            """
            SELECT watermark, lease_holder, lease_until, last_started_at, last_finished_at, last_summary
            FROM reconciler_state WHERE id = 1
            """)
        var state = ReconcilerState()
        for try await (watermark, holder, until, started, finished, summary)
            in rows.decode((Date?, String?, Date?, Date?, Date?, String?).self)
        {
            state = ReconcilerState(
                watermark: watermark, leaseHolder: holder, leaseUntil: until, lastStartedAt: started, lastFinishedAt: finished,
                lastSummary: summary)
        }
        return state
    }

    /// One instance at a time: the lease is taken with a conditional update, so two instances starting a pass
    /// together cannot both win.
    public func claimReconciler(holder: String, now: Date, leaseUntil: Date) async throws -> Bool {
        let rows = try await query(
            """
            UPDATE reconciler_state SET
                last_started_at = CASE WHEN lease_holder IS NOT DISTINCT FROM \(holder) THEN last_started_at ELSE \(now) END,
                lease_holder = \(holder), lease_until = \(leaseUntil)
            WHERE id = 1 AND (lease_holder IS NULL OR lease_holder = \(holder) OR lease_until <= \(now))
            RETURNING id
            """)
        return try await rows.collect().count == 1
    }

    public func finishReconciliation(holder: String, watermark: Date?, summary: String, now: Date) async throws {
        try await query(
            """
            UPDATE reconciler_state SET watermark = COALESCE(\(watermark), watermark), last_finished_at = \(now),
                last_summary = \(summary), lease_holder = NULL, lease_until = NULL
            WHERE id = 1 AND lease_holder = \(holder)
            """)
    }
}
