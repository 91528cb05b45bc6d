public import StripeAPI

/// Where a paid purchase stands after its payment: how much was refunded, whether its charge is disputed,
/// whether served stock went back, and so whether digital access holds. Kept beside the ledger row of a
/// Checkout Session or an order.
public struct AfterPaymentState: Sendable, Hashable, Codable {
    /// Digital access: `suspended` while a dispute is open, `revoked` once the money is gone for good.
    public enum Access: String, Sendable, Hashable, Codable, CaseIterable {
        case active, suspended, revoked
    }

    /// The charge's dispute as this service last applied it.
    public enum Dispute: String, Sendable, Hashable, Codable, CaseIterable {
        case none, open, won, lost
    }

    public var refundedAmount: Int
    public var dispute: Dispute
    public var stockReturned: Bool

    public init(refundedAmount: Int = 0, dispute: Dispute = .none, stockReturned: Bool = false) {
        self.refundedAmount = refundedAmount
        self.dispute = dispute
        self.stockReturned = stockReturned
    }

    /// Nothing has happened after the payment.
    public static let untouched = AfterPaymentState()

    /// Access follows from the rest: a full refund or a lost dispute revokes, an open dispute suspends, a won
    /// one restores (unless the money went back by refund).
    public func access(chargeAmount: Int) -> Access {
        if isFullyRefunded(chargeAmount: chargeAmount) || dispute == .lost { return .revoked }
        return dispute == .open ? .suspended : .active
    }

    public func isFullyRefunded(chargeAmount: Int) -> Bool {
        chargeAmount > 0 && refundedAmount >= chargeAmount
    }
}

/// What Stripe says about the payment now: the re-fetched charge and, when disputed, its dispute.
public struct PaymentFacts: Sendable, Hashable {
    public var chargeAmount: Int
    public var amountRefunded: Int
    public var dispute: DisputeStatus?

    public init(chargeAmount: Int, amountRefunded: Int, dispute: DisputeStatus?) {
        self.chargeAmount = chargeAmount
        self.amountRefunded = amountRefunded
        self.dispute = dispute
    }
}

/// What applying the facts changes: the next state, and the effects that go with it, each once (all derived
/// from the state before and after).
public struct AfterPaymentDecision: Sendable, Hashable {
    public var previous: AfterPaymentState
    public var next: AfterPaymentState
    /// The charge's amount, which decides whether a refund is full.
    public var chargeAmount: Int

    /// Served stock goes back (the first time the purchase is fully refunded).
    public var returnStock: Bool { next.stockReturned && !previous.stockReturned }
    /// The refund this change records (the newly refunded amount), for the customer's email.
    public var newlyRefunded: Int { next.refundedAmount - previous.refundedAmount }
    public var accessBefore: AfterPaymentState.Access { previous.access(chargeAmount: chargeAmount) }
    public var accessAfter: AfterPaymentState.Access { next.access(chargeAmount: chargeAmount) }

    /// Nothing to write: the facts were already applied (a duplicate or a stale event).
    public var isNoChange: Bool { next == previous }

    /// A line for the event's record.
    public var note: String {
        var parts: [String] = []
        if newlyRefunded > 0 { parts.append("refunded \(newlyRefunded) more (\(next.refundedAmount) in all)") }
        if next.dispute != previous.dispute { parts.append("dispute \(next.dispute.rawValue)") }
        if accessBefore != accessAfter { parts.append("access \(accessBefore.rawValue) -> \(accessAfter.rawValue)") }
        if returnStock { parts.append("stock returned") }
        return parts.isEmpty ? "already applied" : parts.joined(separator: "; ")
    }
}

/// The one rule for what happens after a payment, whichever event brought the news and in whatever order:
/// refunds only add up (a stale or duplicate event changes nothing), a decided dispute stays decided, stock
/// goes back once, and access follows (`AfterPaymentState.access`). Pure: stores persist what it decides,
/// under a compare-and-set on the state it read.
public enum AfterPaymentPolicy {
    public static func decide(current: AfterPaymentState, facts: PaymentFacts) -> AfterPaymentDecision {
        var next = current
        next.refundedAmount = max(current.refundedAmount, min(facts.amountRefunded, facts.chargeAmount))
        next.dispute = dispute(current: current.dispute, reported: facts.dispute)
        next.stockReturned = current.stockReturned || next.isFullyRefunded(chargeAmount: facts.chargeAmount)
        return AfterPaymentDecision(previous: current, next: next, chargeAmount: facts.chargeAmount)
    }

    /// A decided dispute (won or lost) is not reopened by an older event's news; an open one is decided.
    static func dispute(current: AfterPaymentState.Dispute, reported: DisputeStatus?) -> AfterPaymentState.Dispute {
        guard let reported else { return current }
        if current == .won || current == .lost { return current }
        switch reported {
        case .won, .warningClosed: return .won
        case .lost: return .lost
        default: return .open
        }
    }
}
