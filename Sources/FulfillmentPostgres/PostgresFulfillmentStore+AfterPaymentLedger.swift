import Foundation
public import FulfillmentCore
import PostgresNIO

extension PostgresFulfillmentStore {
    public func afterPayment(subjectID: String) async throws -> AfterPaymentRecord? {
        try await ready.wait()
        return try await client.withConnection { connection in try await afterPayment(subjectID, on: connection) }
    }

    public func applyAfterPayment(_ change: AfterPaymentChange) async throws -> AfterPaymentDecision {
        try await transactionQueueing { connection, queued in
            // The purchase's ledger lock (the session's or the order's id): instances deciding about it take turns.
            try await lockPurchase(change.subjectID, on: connection)
            let (decision, write) = Ledger.afterPayment(change, current: try await afterPayment(change.subjectID, on: connection))
            guard let write else { return decision }
            let record = write.record
            try await connection.query(
                """
                INSERT INTO after_payments (subject_id, charge_id, charge_amount, refunded_amount, dispute, stock_returned, updated_at)
                VALUES (\(record.subjectID), \(record.chargeID), \(record.chargeAmount), \(record.state.refundedAmount),
                        \(record.state.dispute.rawValue), \(record.state.stockReturned), \(record.updatedAt))
                ON CONFLICT (subject_id) DO UPDATE SET
                    charge_id = EXCLUDED.charge_id, charge_amount = EXCLUDED.charge_amount,
                    refunded_amount = EXCLUDED.refunded_amount, dispute = EXCLUDED.dispute,
                    stock_returned = EXCLUDED.stock_returned, updated_at = EXCLUDED.updated_at
                """, logger: logger)
            for (sku, units) in write.stockReturned.sorted(by: { $0.key < $1.key }) {
                try await connection.query("UPDATE stock SET quantity = quantity + \(units) WHERE sku = \(sku)", logger: logger)
            }
            try await enqueue(write.outgoing, now: change.now, on: connection, noting: queued)
            return decision
        }
    }

    func afterPayment(_ subjectID: String, on connection: PostgresConnection) async throws -> AfterPaymentRecord? {
        let rows = try await connection.query(
            """
            SELECT subject_id, charge_id, charge_amount, refunded_amount, dispute, stock_returned, updated_at
            FROM after_payments WHERE subject_id = \(subjectID)
            """, logger: logger)
        var found: AfterPaymentRecord?
        for try await (subject, charge, amount, refunded, dispute, returned, updatedAt) in rows.decode(
            (String, String, Int, Int, String, Bool, Date).self)
        {
            found = AfterPaymentRecord(
                subjectID: subject, chargeID: charge, chargeAmount: amount,
                state: AfterPaymentState(
                    refundedAmount: refunded, dispute: AfterPaymentState.Dispute(rawValue: dispute) ?? .none, stockReturned: returned),
                updatedAt: updatedAt)
        }
        return found
    }
}
