public import Foundation

extension MemoryFulfillmentStore {
    public func purchase(subjectID: String) async throws -> Purchase? { purchases[subjectID] }

    public func purchaseSubjectID(paymentIntent: String) async throws -> String? {
        purchasePayments.values.first { $0.paymentIntent == paymentIntent }?.subjectID
    }

    public func commitFulfillment(_ plan: FulfillmentPlan) async throws -> FulfillmentCommit {
        // An actor runs one call at a time: the read and the write below are one transaction.
        let skus = Set(plan.lines.compactMap(\.action.sku))
        switch Ledger.fulfil(plan, current: purchases[plan.subjectID], stock: stock.filter { skus.contains($0.key) }) {
        case .alreadyFulfilled(let record):
            return .alreadyFulfilled(record)
        case .fulfil(let write):
            for (sku, taken) in write.stockTaken { stock[sku, default: 0] -= taken }
            purchases[plan.subjectID] = write.record
            purchaseLines[plan.subjectID] = write.lineRows
            purchasePayments[plan.subjectID] = write.payment
            enqueue(write.outgoing, now: plan.now)
            return .committed(write.record)
        }
    }

    public func purchasePayment(subjectID: String) async throws -> PurchasePaymentRow? {
        purchasePayments[subjectID]
    }

    public func connectedAccounts() async throws -> [String] {
        Set(purchases.values.compactMap(\.account) + orders.values.compactMap(\.account)).sorted()
    }

    public func transitionPurchase(_ transition: PurchaseTransition) async throws -> TransitionOutcome {
        let decision = Ledger.transition(transition, current: purchases[transition.subjectID])
        if case .apply(let row, let outgoing) = decision {
            purchases[transition.subjectID] = Purchase(row, lines: purchaseLines[transition.subjectID] ?? [])
            enqueue(outgoing, now: transition.now)
        }
        return decision.outcome
    }

    public func entitlement(token: String) async throws -> Entitlement? {
        for (subjectID, rows) in purchaseLines {
            if let row = rows.first(where: { $0.accessToken == token }) {
                return Entitlement(
                    token: token, subjectID: subjectID, description: row.description,
                    customerEmail: purchases[subjectID]?.customerEmail)
            }
        }
        return nil
    }
}
