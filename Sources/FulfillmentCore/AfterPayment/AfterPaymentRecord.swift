public import Foundation

/// What the ledger knows of a purchase after its payment (an `after_payments` row): the charge, its amount,
/// and the state `AfterPaymentPolicy` last decided. Kept for a Checkout Session or an order (`subjectID`).
public struct AfterPaymentRecord: Sendable, Hashable {
    public var subjectID: String
    public var chargeID: String
    public var chargeAmount: Int
    public var state: AfterPaymentState
    public var updatedAt: Date

    public init(subjectID: String, chargeID: String, chargeAmount: Int, state: AfterPaymentState, updatedAt: Date) {
        self.subjectID = subjectID
        self.chargeID = chargeID
        self.chargeAmount = chargeAmount
        self.state = state
        self.updatedAt = updatedAt
    }

    /// Whether digital access holds.
    public var access: AfterPaymentState.Access { state.access(chargeAmount: chargeAmount) }
}

/// What Stripe now says about a purchase's payment, and what to queue for each possible outcome: the store
/// reads the current record in its transaction, decides with `Ledger.afterPayment`, and writes the result.
public struct AfterPaymentChange: Sendable {
    public var subjectID: String
    public var chargeID: String
    public var facts: PaymentFacts
    /// Units served by the purchase, by sku: given back to stock the first time it is fully refunded.
    public var servedStock: [String: Int]
    /// The emails and notifications a decision calls for (pure; run inside the transaction).
    public var outgoing: @Sendable (_ decision: AfterPaymentDecision) -> Outgoing
    public var now: Date

    public init(
        subjectID: String, chargeID: String, facts: PaymentFacts, servedStock: [String: Int],
        outgoing: @escaping @Sendable (AfterPaymentDecision) -> Outgoing, now: Date
    ) {
        self.subjectID = subjectID
        self.chargeID = chargeID
        self.facts = facts
        self.servedStock = servedStock
        self.outgoing = outgoing
        self.now = now
    }
}

/// Everything applying an after-payment change writes, in one transaction.
public struct AfterPaymentWrite: Sendable {
    public var record: AfterPaymentRecord
    /// Units to add back, by sku.
    public var stockReturned: [String: Int]
    public var outgoing: Outgoing
}

extension Ledger {
    /// Applying `change` to the purchase's record: the policy's decision and, unless it changes nothing, what to
    /// write (the next state, stock given back once, the email and notifications).
    public static func afterPayment(
        _ change: AfterPaymentChange, current: AfterPaymentRecord?
    ) -> (decision: AfterPaymentDecision, write: AfterPaymentWrite?) {
        let decision = AfterPaymentPolicy.decide(current: current?.state ?? .untouched, facts: change.facts)
        guard !decision.isNoChange else { return (decision, nil) }
        let record = AfterPaymentRecord(
            subjectID: change.subjectID, chargeID: change.chargeID, chargeAmount: change.facts.chargeAmount,
            state: decision.next, updatedAt: change.now)
        let write = AfterPaymentWrite(
            record: record, stockReturned: decision.returnStock ? change.servedStock.filter { $0.value > 0 } : [:],
            outgoing: change.outgoing(decision))
        return (decision, write)
    }
}
