public import Foundation

/// The ledger's decisions, as pure functions: every store reads what they need inside its transaction (the
/// purchase's row, the stock of the skus a plan touches), asks here what to write, and writes exactly that.
/// One algorithm for every store; the stores only read and persist.
public enum Ledger {
    /// Fulfilling `plan`, given the purchase's ledger row and the stock levels (by sku) the store read:
    /// nothing if the purchase is fulfilled already; otherwise every line performed against the stock there is
    /// (lines sharing a sku take from what the earlier ones left), the ledger row, the payment copy and the
    /// receipt to write.
    public static func fulfil(
        _ plan: FulfillmentPlan, current: Purchase?, stock: [String: Int],
        newToken: () -> String = LinePerformer.newToken
    ) -> FulfillmentDecision {
        if let current, !current.kind.allows(.fulfilled, after: current.status) { return .alreadyFulfilled(current) }
        var available = stock
        var taken: [String: Int] = [:]
        var lines: [FulfilledLine] = []
        var rows: [PurchaseLineRow] = []
        var effects: [Dispatch] = []
        for (position, line) in plan.lines.enumerated() {
            let token = newToken()
            let level = line.action.sku.flatMap { available[$0] }
            let result = LinePerformer.perform(line, available: level, plan: plan, token: token)
            effects += result.effects
            if let sku = line.action.sku, let level, result.stockTaken > 0 {
                available[sku] = level - result.stockTaken
                taken[sku, default: 0] += result.stockTaken
            }
            lines.append(result.line)
            rows.append(PurchaseLineRow(result.line, subjectID: plan.subjectID, position: position, token: token))
        }
        let record = Purchase(
            subjectID: plan.subjectID, kind: plan.kind, status: .fulfilled, customerEmail: plan.customerEmail,
            customerName: plan.customerName, amountTotal: plan.amountTotal, currency: plan.currency, shipping: plan.shipping,
            createdAt: current?.createdAt ?? plan.now, updatedAt: plan.now, fulfilledAt: plan.now, lines: lines,
            language: plan.language ?? current?.language, account: current?.account ?? plan.account)
        let payment = PurchasePaymentRow(
            subjectID: plan.subjectID, paymentIntent: plan.paymentIntentID, amountTotal: plan.amountTotal,
            currency: plan.currency, objectJSON: plan.objectJSON, recordedAt: plan.now)
        let outgoing = Outgoing(emails: plan.receipt(lines).map { [$0] } ?? [], dispatches: effects + plan.notifications(record))
        return .fulfil(FulfillmentWrite(record: record, lineRows: rows, stockTaken: taken, payment: payment, outgoing: outgoing))
    }

    /// Moving the purchase as `transition` asks, given its ledger row: refused if the ledger has moved past it;
    /// otherwise the row to write (known details kept where the transition brings none) and its email.
    public static func transition(_ transition: PurchaseTransition, current: Purchase?) -> TransitionDecision {
        if let current, !current.kind.allows(transition.to, after: current.status) { return .refused(current: current.status) }
        if current == nil, !transition.kind.allows(transition.to, after: nil) { return .refused(current: .awaitingPayment) }
        let row = PurchaseRow(
            subjectID: transition.subjectID, kind: current?.kind ?? transition.kind, status: transition.to,
            customerEmail: transition.customerEmail ?? current?.customerEmail,
            customerName: transition.customerName ?? current?.customerName,
            amountTotal: transition.amountTotal ?? current?.amountTotal, currency: transition.currency ?? current?.currency,
            shipping: current?.shipping, createdAt: current?.createdAt ?? transition.now, updatedAt: transition.now,
            fulfilledAt: nil, language: transition.language ?? current?.language, account: current?.account ?? transition.account)
        return .apply(row: row, outgoing: Outgoing(emails: transition.email.map { [$0] } ?? [], dispatches: transition.dispatches))
    }
}

/// What fulfilling a plan comes to.
public enum FulfillmentDecision: Sendable {
    /// The purchase was fulfilled before: write nothing.
    case alreadyFulfilled(Purchase)
    /// Write all of this in the transaction that read the inputs.
    case fulfil(FulfillmentWrite)
}

/// Everything one fulfilment writes, in one transaction.
public struct FulfillmentWrite: Sendable {
    /// The ledger record after the fulfilment (its row is `PurchaseRow(record)`).
    public var record: Purchase
    public var lineRows: [PurchaseLineRow]
    /// Units taken, by sku (only skus whose stock is tracked); the store lowers each by this much.
    public var stockTaken: [String: Int]
    public var payment: PurchasePaymentRow
    /// The receipt and the merchant's notification.
    public var outgoing: Outgoing
}

/// What a status change comes to.
public enum TransitionDecision: Sendable, Hashable {
    case refused(current: PurchaseStatus)
    /// Write `row` (insert or replace the purchase's row) and queue `outgoing`.
    case apply(row: PurchaseRow, outgoing: Outgoing)

    public var outcome: TransitionOutcome {
        switch self {
        case .refused(let current): .refused(current: current)
        case .apply: .applied
        }
    }
}
