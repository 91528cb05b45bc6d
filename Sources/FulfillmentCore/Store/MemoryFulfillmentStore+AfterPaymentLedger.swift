public import Foundation

extension MemoryFulfillmentStore {
    public func afterPayment(subjectID: String) async throws -> AfterPaymentRecord? { afterPayments[subjectID] }

    public func applyAfterPayment(_ change: AfterPaymentChange) async throws -> AfterPaymentDecision {
        let (decision, write) = Ledger.afterPayment(change, current: afterPayments[change.subjectID])
        if let write {
            afterPayments[change.subjectID] = write.record
            for (sku, units) in write.stockReturned where stock[sku] != nil { stock[sku, default: 0] += units }
            enqueue(write.outgoing, now: change.now)
        }
        return decision
    }
}
