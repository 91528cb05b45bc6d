import Foundation
public import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    public func afterPayment(subjectID: String) async throws -> AfterPaymentRecord? {
        try await read { db in try Self.afterPayment(subjectID, in: db) }
    }

    public func applyAfterPayment(_ change: AfterPaymentChange) async throws -> AfterPaymentDecision {
        // The write lock is held from the read to the write: the decision is the compare, the write the set.
        try await writeQueueing { db, queued in
            let (decision, write) = Ledger.afterPayment(change, current: try Self.afterPayment(change.subjectID, in: db))
            guard let write else { return decision }
            let record = write.record
            try db.run(
                """
                INSERT INTO after_payments (subject_id, charge_id, charge_amount, refunded_amount, dispute, stock_returned, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (subject_id) DO UPDATE SET
                    charge_id = excluded.charge_id, charge_amount = excluded.charge_amount,
                    refunded_amount = excluded.refunded_amount, dispute = excluded.dispute,
                    stock_returned = excluded.stock_returned, updated_at = excluded.updated_at
                """,
                [
                    record.subjectID, record.chargeID, record.chargeAmount, record.state.refundedAmount,
                    record.state.dispute.rawValue, record.state.stockReturned, record.updatedAt.timeIntervalSince1970,
                ])
            for (sku, units) in write.stockReturned.sorted(by: { $0.key < $1.key }) {
                try db.run("UPDATE stock SET quantity = quantity + ? WHERE sku = ?", [units, sku])
            }
            try Self.enqueue(write.outgoing, now: change.now, in: db, noting: queued)
            return decision
        }
    }

    static func afterPayment(_ subjectID: String, in db: Database) throws -> AfterPaymentRecord? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM after_payments WHERE subject_id = ?"), arguments: [subjectID])
        else { return nil }
        return AfterPaymentRecord(
            subjectID: row["subject_id"], chargeID: row["charge_id"], chargeAmount: row["charge_amount"],
            state: AfterPaymentState(
                refundedAmount: row["refunded_amount"], dispute: AfterPaymentState.Dispute(rawValue: row["dispute"]) ?? .none,
                stockReturned: row["stock_returned"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }
}
