public import Foundation
public import StripeAPI

/// What Stripe says of a subscription now (re-fetched, never an event's copy).
public struct SubscriptionFact: Sendable, Hashable {
    public struct Invoice: Sendable, Hashable {
        public var id: String
        public var paid: Bool
        /// `subscription_create` or `subscription_cycle` (a renewal).
        public var billingReason: String
        /// Where the customer pays it (a failed renewal's email links here).
        public var hostedURL: String?
        public var amount: Int
        public var currency: String
        /// The end of the period it pays for (a renewal's: the new period's).
        public var periodEnd: Date?

        public init(
            id: String, paid: Bool, billingReason: String, hostedURL: String? = nil, amount: Int = 0, currency: String = "eur",
            periodEnd: Date? = nil
        ) {
            self.id = id
            self.paid = paid
            self.billingReason = billingReason
            self.hostedURL = hostedURL
            self.amount = amount
            self.currency = currency
            self.periodEnd = periodEnd
        }
    }

    /// Stripe's status: `trialing`, `active`, `past_due`, `canceled`, `unpaid`, `incomplete`, `incomplete_expired`.
    public var status: String
    public var currentPeriodEnd: Date
    public var cancelAtPeriodEnd: Bool
    public var endedAt: Date?
    public var priceIDs: [String]
    /// Its newest invoices, newest first: each paid renewal among them is acted on once, even when the
    /// subscription has moved on since (renewed, then canceled, while the service was down).
    public var invoices: [Invoice]

    /// The newest invoice: the one a failure is about.
    public var latestInvoice: Invoice? { invoices.first }

    public init(
        status: String, currentPeriodEnd: Date, cancelAtPeriodEnd: Bool = false, endedAt: Date? = nil, priceIDs: [String],
        latestInvoice: Invoice? = nil, invoices: [Invoice] = []
    ) {
        self.status = status
        self.currentPeriodEnd = currentPeriodEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.endedAt = endedAt
        self.priceIDs = priceIDs
        self.invoices = latestInvoice.map { latest in [latest] + invoices.filter { $0.id != latest.id } } ?? invoices
    }
}

extension SubscriptionFact {
    /// The fact of a subscription as Stripe returned it, with its newest invoices (newest first; drafts, which
    /// no one has been asked to pay yet, left out).
    public init(_ subscription: Subscription, invoices: [StripeAPI.Invoice]) {
        self.init(
            status: subscription.status.rawValue, currentPeriodEnd: Date(timeIntervalSince1970: TimeInterval(subscription.currentPeriodEnd)),
            cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
            endedAt: subscription.endedAt.map { Date(timeIntervalSince1970: TimeInterval($0)) }, priceIDs: subscription.items.map(\.price.id),
            invoices: invoices.filter { $0.status != .draft && $0.status != .void }.map(Invoice.init))
    }
}

extension SubscriptionFact.Invoice {
    public init(_ invoice: StripeAPI.Invoice) {
        self.init(
            id: invoice.id, paid: invoice.status == .paid, billingReason: invoice.billingReason ?? "manual",
            hostedURL: invoice.hostedInvoiceURL, amount: invoice.status == .paid ? invoice.amountPaid : invoice.amountDue,
            currency: invoice.currency, periodEnd: (invoice.servicePeriodEnd ?? invoice.periodEnd).map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }
}

/// What a decision tells the customer and the merchant (each once: the facts carry what makes them unique).
public enum SubscriptionChange: Sendable, Hashable {
    /// First paid (or in a trial): the lines' actions are granted.
    case started
    /// A renewal invoice was paid: access runs to the new period's end.
    case renewed(invoice: String)
    /// A renewal failed: the customer may pay at `payURL`.
    case pastDue(invoice: String, payURL: String?)
    /// The grace ran out unpaid.
    case suspended
    /// A suspended subscription was paid again.
    case restored
    /// Set to cancel at the period's end: access until then.
    case cancelScheduled(endsAt: Date)
    /// The scheduled cancel was taken back.
    case cancelWithdrawn
    /// Another price from the new period.
    case planChanged(from: [String], to: [String])
    /// Access is over.
    case ended
}

/// A decision: the entitlement to store (`nil`: nothing to keep yet) and what it tells.
public struct SubscriptionDecision: Sendable, Hashable {
    public var entitlement: SubscriptionEntitlement?
    public var changes: [SubscriptionChange]
    /// Whether the stored entitlement stays as it is (its version unmoved).
    public var isNoChange: Bool

    public init(entitlement: SubscriptionEntitlement?, changes: [SubscriptionChange], isNoChange: Bool? = nil) {
        self.entitlement = entitlement
        self.changes = changes
        self.isNoChange = isNoChange ?? changes.isEmpty
    }
}

/// The subscription state machine, as pure functions: the stored entitlement and Stripe's re-fetched state ->
/// what to store and what to tell. Events in any order, duplicated or stale, decide nothing wrong: an ended
/// entitlement stays ended, access never goes back to an earlier period, a past-due state whose invoice was
/// already settled is stale, and each change is told once (renewals and failures by invoice).
public enum SubscriptionMachine {
    static let endedStatuses: Set<String> = ["canceled", "unpaid", "incomplete_expired"]
    static let liveStatuses: Set<String> = ["active", "trialing"]

    public static func decide(
        _ fact: SubscriptionFact, current: SubscriptionEntitlement?, subscriptionID: String, now: Date, grace: TimeInterval
    ) -> SubscriptionDecision {
        guard let current else { return first(fact, subscriptionID: subscriptionID, now: now) }
        if current.access == .ended { return SubscriptionDecision(entitlement: current, changes: []) }
        var next = current
        var changes: [SubscriptionChange] = []
        settleRenewals(fact, into: &next, changes: &changes)
        if endedStatuses.contains(fact.status) {
            next.access = .ended
            next.validUntil = min(next.validUntil, fact.endedAt ?? now)
            changes.append(.ended)
        } else if liveStatuses.contains(fact.status) {
            next.validUntil = max(next.validUntil, fact.currentPeriodEnd)
            if current.access == .suspended { changes.append(.restored) }
            next.access = .active
            next.pastDueSince = nil
            if fact.cancelAtPeriodEnd != current.cancelAtPeriodEnd {
                changes.append(fact.cancelAtPeriodEnd ? .cancelScheduled(endsAt: fact.currentPeriodEnd) : .cancelWithdrawn)
            }
            next.cancelAtPeriodEnd = fact.cancelAtPeriodEnd
            if fact.priceIDs != current.priceIDs, !fact.priceIDs.isEmpty {
                changes.append(.planChanged(from: current.priceIDs, to: fact.priceIDs))
                next.priceIDs = fact.priceIDs
            }
        } else if fact.status == "past_due" {
            // A failure whose invoice was paid since is an older state (a slower fetch): not applied.
            if let invoice = fact.latestInvoice, current.settledInvoices.contains(invoice.id) {
                return SubscriptionDecision(entitlement: current, changes: [])
            }
            if next.access == .active {
                next.access = .pastDue
                next.pastDueSince = now
            }
            if let invoice = fact.latestInvoice, !invoice.paid, !current.noticedFailures.contains(invoice.id) {
                next.noticedFailures = Array((current.noticedFailures + [invoice.id]).suffix(48))
                changes.append(.pastDue(invoice: invoice.id, payURL: invoice.hostedURL))
            }
            let swept = sweep(next, now: now, grace: grace)
            if let suspended = swept.entitlement, !swept.isNoChange {
                next = suspended
                changes += swept.changes
            }
        }
        // A change with nothing to tell is still kept (a past-due subscription paid by an invoice already
        // settled, a period moved on): only an identical entitlement is no change.
        guard !changes.isEmpty || next != current else { return SubscriptionDecision(entitlement: current, changes: []) }
        next.version = current.version + 1
        return SubscriptionDecision(entitlement: next, changes: changes, isNoChange: false)
    }

    /// Every invoice paid since the last decision, oldest first, whatever the status is now: a renewal paid and
    /// then canceled while no event got through is still a paid period (its shipment, its receipt), told once.
    static func settleRenewals(_ fact: SubscriptionFact, into next: inout SubscriptionEntitlement, changes: inout [SubscriptionChange]) {
        for invoice in fact.invoices.reversed() where invoice.paid && !next.settledInvoices.contains(invoice.id) {
            next.settledInvoices = Array((next.settledInvoices + [invoice.id]).suffix(48))
            if invoice.billingReason == "subscription_cycle" {
                changes.append(.renewed(invoice: invoice.id))
                if let end = invoice.periodEnd { next.validUntil = max(next.validUntil, end) }
            }
        }
    }

    /// A past-due entitlement whose grace ran out is suspended; the sweep needs no event (Stripe sends none).
    public static func sweep(_ current: SubscriptionEntitlement, now: Date, grace: TimeInterval) -> SubscriptionDecision {
        guard current.access == .pastDue, let since = current.pastDueSince, now >= since.addingTimeInterval(grace) else {
            return SubscriptionDecision(entitlement: current, changes: [])
        }
        var next = current
        next.access = .suspended
        next.version = current.version + 1
        return SubscriptionDecision(entitlement: next, changes: [.suspended])
    }

    /// The first state seen: granted when paid or in a trial (past due already, when the service first hears
    /// of it late); nothing before the first payment; ended without a grant when it is over already.
    /// Heard of first after a renewal (its events late, or the service down), the grant is told and then each
    /// renewal paid since, so each period still delivers once.
    static func first(_ fact: SubscriptionFact, subscriptionID: String, now: Date) -> SubscriptionDecision {
        let paid = fact.invoices.filter { $0.paid && $0.billingReason != "subscription_cycle" }.map(\.id).reversed().suffix(48).map { $0 }
        var entitlement = SubscriptionEntitlement(
            subscriptionID: subscriptionID, access: .active, validUntil: fact.currentPeriodEnd, cancelAtPeriodEnd: fact.cancelAtPeriodEnd,
            priceIDs: fact.priceIDs, settledInvoices: paid)
        var renewals: [SubscriptionChange] = []
        if !endedStatuses.contains(fact.status) { settleRenewals(fact, into: &entitlement, changes: &renewals) }
        switch fact.status {
        case _ where liveStatuses.contains(fact.status):
            var changes: [SubscriptionChange] = [.started] + renewals
            if fact.cancelAtPeriodEnd { changes.append(.cancelScheduled(endsAt: fact.currentPeriodEnd)) }
            return SubscriptionDecision(entitlement: entitlement, changes: changes)
        case "past_due":
            entitlement.access = .pastDue
            entitlement.pastDueSince = now
            var changes: [SubscriptionChange] = [.started] + renewals
            if let invoice = fact.latestInvoice, !invoice.paid {
                entitlement.noticedFailures = [invoice.id]
                changes.append(.pastDue(invoice: invoice.id, payURL: invoice.hostedURL))
            }
            return SubscriptionDecision(entitlement: entitlement, changes: changes)
        case _ where endedStatuses.contains(fact.status):
            entitlement.access = .ended
            entitlement.validUntil = fact.endedAt ?? now
            return SubscriptionDecision(entitlement: entitlement, changes: [])
        default:
            return SubscriptionDecision(entitlement: nil, changes: [])
        }
    }
}
