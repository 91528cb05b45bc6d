public import Foundation

/// What a subscription's decided changes send, as one `Outgoing` queued with the entitlement's
/// compare-and-set: the customer's emails and the merchant's notifications, each under a key that makes it
/// once (the invoice for a renewal or a failure; the entitlement's new version for a suspension, a
/// restoration or a cancel, which each version decides once). `started` is sent with the grant, by the ledger.
public struct SubscriptionOutgoing: Sendable {
    public var notifier: MerchantNotifier
    public var sendsReceipts: Bool
    public var grace: TimeInterval

    public init(notifier: MerchantNotifier, sendsReceipts: Bool, grace: TimeInterval) {
        self.notifier = notifier
        self.sendsReceipts = sendsReceipts
        self.grace = grace
    }

    /// `renewals`: what each renewed invoice delivered (its lines, and the registered actions' effects).
    public func outgoing(
        for changes: [SubscriptionChange], previous: SubscriptionEntitlement?, subscription: StoredSubscription, fact: SubscriptionFact,
        renewals: [String: RenewalDelivery], texts: Texts, now: Date
    ) -> Outgoing {
        var outgoing = Outgoing()
        let version = "v\(subscription.entitlement.version)"
        func invoice(_ id: String) -> SubscriptionFact.Invoice {
            fact.invoices.first { $0.id == id } ?? SubscriptionFact.Invoice(id: id, paid: false, billingReason: "subscription_cycle")
        }
        for change in changes {
            switch change {
            case .started:
                break
            case .renewed(let id):
                let paid = invoice(id)
                let delivery = renewals[id] ?? RenewalDelivery(lines: [], effects: [])
                if sendsReceipts, let email = SubscriptionEmails.renewed(subscription, invoice: paid, lines: delivery.lines, texts: texts) {
                    outgoing.emails.append(email)
                }
                outgoing.dispatches += delivery.effects
                outgoing.dispatches += notifier.subscription(
                    .subscriptionRenewed, subscription, fact: id, lines: delivery.lines, invoice: paid, now: now)
            case .pastDue(let id, _):
                let unpaid = invoice(id)
                let graceEnds = (subscription.entitlement.pastDueSince ?? now).addingTimeInterval(grace)
                if let email = SubscriptionEmails.paymentFailed(subscription, invoice: unpaid, graceEnds: graceEnds, texts: texts) {
                    outgoing.emails.append(email)
                }
                outgoing.dispatches += notifier.subscription(
                    .subscriptionPastDue, subscription, fact: id, invoice: unpaid, graceEndsAt: graceEnds, now: now)
            case .suspended:
                outgoing.dispatches += notifier.subscription(.subscriptionSuspended, subscription, fact: version, now: now)
            case .restored:
                outgoing.dispatches += notifier.subscription(.subscriptionRestored, subscription, fact: version, now: now)
            case .cancelScheduled:
                outgoing.dispatches += notifier.subscription(.subscriptionCanceled, subscription, fact: version, now: now)
            case .cancelWithdrawn, .planChanged:
                // Kept on the entitlement (and shown in the timeline); no notification type is published for them.
                break
            case .ended:
                // An immediate cancel is a cancel too; one at the period's end was told when it was scheduled.
                if fact.status == "canceled", previous?.cancelAtPeriodEnd != true {
                    outgoing.dispatches += notifier.subscription(.subscriptionCanceled, subscription, fact: version, now: now)
                }
                if let email = SubscriptionEmails.ended(subscription, texts: texts) { outgoing.emails.append(email) }
                outgoing.dispatches += notifier.subscription(.subscriptionEnded, subscription, now: now)
            }
        }
        return outgoing
    }
}

/// What a renewal delivers for its period: each line's outcome (a shipment, a registered action's effect;
/// digital access is the grant's, extended) and the effects to queue.
public struct RenewalDelivery: Sendable, Hashable {
    public var lines: [FulfilledLine]
    public var effects: [Dispatch]

    public init(lines: [FulfilledLine], effects: [Dispatch]) {
        self.lines = lines
        self.effects = effects
    }
}
