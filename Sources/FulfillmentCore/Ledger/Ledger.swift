public import Foundation

/// The ledger's decisions, as pure functions: every store reads what they need inside its transaction (the
/// session's row, the stock of the skus a plan touches), asks here what to write, and writes exactly that.
/// One algorithm for every store; the stores only read and persist.
public enum Ledger {
    /// Fulfilling `plan`, given the session's ledger row and the stock levels (by sku) the store read:
    /// nothing if the session is fulfilled already; otherwise every line performed against the stock there is
    /// (lines sharing a sku take from what the earlier ones left), the ledger row, the payment copy and the
    /// receipt to write.
    public static func fulfil(
        _ plan: FulfillmentPlan, current: CheckoutRecord?, stock: [String: Int],
        newToken: () -> String = LinePerformer.newToken
    ) -> FulfillmentDecision {
        if let current, !CheckoutStatus.fulfilled.canFollow(current.status) { return .alreadyFulfilled(current) }
        var available = stock
        var taken: [String: Int] = [:]
        var lines: [FulfilledLine] = []
        var rows: [CheckoutLineRow] = []
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
            rows.append(CheckoutLineRow(result.line, sessionID: plan.sessionID, position: position, token: token))
        }
        let record = CheckoutRecord(
            sessionID: plan.sessionID, status: .fulfilled, customerEmail: plan.customerEmail,
            customerName: plan.customerName, amountTotal: plan.amountTotal, currency: plan.currency, shipping: plan.shipping,
            createdAt: current?.createdAt ?? plan.now, updatedAt: plan.now, fulfilledAt: plan.now, lines: lines,
            language: plan.language ?? current?.language)
        let payment = PaymentRow(
            sessionID: plan.sessionID, paymentIntent: plan.paymentIntentID, amountTotal: plan.amountTotal,
            currency: plan.currency, sessionJSON: plan.sessionJSON, recordedAt: plan.now)
        let outgoing = Outgoing(emails: plan.receipt(lines).map { [$0] } ?? [], dispatches: effects + plan.notifications(record))
        return .fulfil(FulfillmentWrite(record: record, lineRows: rows, stockTaken: taken, payment: payment, outgoing: outgoing))
    }

    /// Moving the session as `transition` asks, given its ledger row: refused if the ledger has moved past it;
    /// otherwise the row to write (known details kept where the transition brings none) and its email.
    public static func transition(_ transition: CheckoutTransition, current: CheckoutRecord?) -> TransitionDecision {
        if let current, !transition.to.canFollow(current.status) { return .refused(current: current.status) }
        if current == nil, !transition.to.canFollow(nil) { return .refused(current: .awaitingPayment) }
        let row = CheckoutRow(
            sessionID: transition.sessionID, status: transition.to,
            customerEmail: transition.customerEmail ?? current?.customerEmail,
            customerName: transition.customerName ?? current?.customerName,
            amountTotal: transition.amountTotal ?? current?.amountTotal, currency: transition.currency ?? current?.currency,
            shipping: current?.shipping, createdAt: current?.createdAt ?? transition.now, updatedAt: transition.now,
            fulfilledAt: nil, language: transition.language ?? current?.language)
        return .apply(row: row, outgoing: Outgoing(emails: transition.email.map { [$0] } ?? [], dispatches: transition.dispatches))
    }
}

/// What fulfilling a plan comes to.
public enum FulfillmentDecision: Sendable {
    /// The session was fulfilled before: write nothing.
    case alreadyFulfilled(CheckoutRecord)
    /// Write all of this in the transaction that read the inputs.
    case fulfil(FulfillmentWrite)
}

/// Everything one fulfilment writes, in one transaction.
public struct FulfillmentWrite: Sendable {
    /// The ledger record after the fulfilment (its row is `CheckoutRow(record)`).
    public var record: CheckoutRecord
    public var lineRows: [CheckoutLineRow]
    /// Units taken, by sku (only skus whose stock is tracked); the store lowers each by this much.
    public var stockTaken: [String: Int]
    public var payment: PaymentRow
    /// The receipt and the merchant's notification.
    public var outgoing: Outgoing
}

/// What a status change comes to.
public enum TransitionDecision: Sendable, Hashable {
    case refused(current: CheckoutStatus)
    /// Write `row` (insert or replace the session's row) and queue `outgoing`.
    case apply(row: CheckoutRow, outgoing: Outgoing)

    public var outcome: TransitionOutcome {
        switch self {
        case .refused(let current): .refused(current: current)
        case .apply: .applied
        }
    }
}
