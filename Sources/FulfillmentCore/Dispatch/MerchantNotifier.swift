public import Foundation
public import StripeAPI

/// Builds the notifications the merchant's endpoint gets (`MERCHANT_WEBHOOK_URL`): JSON events about the
/// service's own objects, shaped like Stripe's (`id`, `object`, `type`, `created`, `data.object`), queued as
/// dispatches on the `merchant` channel in the transaction of the change they report. Each id is derived
/// from the fact (`fev_` and a hash of the type and what identifies the fact), so the fact is queued and
/// sent under one id however many events bring it. Disabled (no URL), it builds nothing.
public struct MerchantNotifier: Sendable {
    public static let channel = "merchant"

    /// Whether notifications are queued at all.
    public var isEnabled: Bool

    public init(isEnabled: Bool) {
        self.isEnabled = isEnabled
    }

    public static let disabled = MerchantNotifier(isEnabled: false)

    /// The notification types, as the merchant's endpoint sees them.
    public enum EventType: String, Sendable, CaseIterable {
        case checkoutFulfilled = "checkout.fulfilled"
        case checkoutPaymentFailed = "checkout.payment_failed"
        case checkoutExpired = "checkout.expired"
        /// An expired session came back through its recovery URL and was paid: not a lost sale after all.
        case checkoutRecovered = "checkout.recovered"
        case checkoutRefunded = "checkout.refunded"
        case checkoutDisputed = "checkout.disputed"
        case orderPaid = "order.paid"
        case orderCanceled = "order.canceled"
        case orderRefunded = "order.refunded"
        case orderDisputed = "order.disputed"
        /// A subscription's first payment (or its trial) granted its lines.
        case subscriptionStarted = "subscription.started"
        /// A renewal was paid: access runs to the new period's end; the period's deliveries are listed.
        case subscriptionRenewed = "subscription.renewed"
        /// A renewal failed: the customer was told, with the invoice's payment link; access goes on through the grace.
        case subscriptionPastDue = "subscription.past_due"
        /// The grace ran out unpaid: access is suspended.
        case subscriptionSuspended = "subscription.suspended"
        /// A suspended subscription's invoice was paid: access is back.
        case subscriptionRestored = "subscription.restored"
        /// Canceled: at the period's end (`cancel_at_period_end`, access until then) or at once.
        case subscriptionCanceled = "subscription.canceled"
        /// Access is over (canceled, or renewals never paid).
        case subscriptionEnded = "subscription.ended"
    }

    /// The stable id of a fact: the same `type` and `fact` always give the same id.
    public static func eventID(_ type: EventType, fact: String) -> String {
        FactID.make(prefix: "fev_", type.rawValue, fact)
    }

    /// A notification about `subjectID`; `fact` tells this fact apart from others of its type about the same
    /// subject (empty when there is only one, as a session is fulfilled once). `object` is built only when
    /// notifications are on: without a merchant endpoint, a fulfilment pays nothing for them.
    public func notification(
        _ type: EventType, subjectID: String, fact: String = "", object: @autoclosure () -> NotifiedPurchase, now: Date
    ) -> [Dispatch] {
        guard isEnabled else { return [] }
        let id = Self.eventID(type, fact: fact.isEmpty ? subjectID : "\(subjectID)\u{0}\(fact)")
        let event = NotificationEvent(id: id, type: type, created: now, object: object())
        return [Dispatch(id: id, channel: Self.channel, type: type.rawValue, subjectID: subjectID, payload: event.body)]
    }

    // MARK: Checkout Sessions

    /// `checkout.fulfilled`: the session, its customer and shipping, each line with its action, quantity and
    /// outcome.
    /// With the session's details (Payment Link, recovery, custom fields, consent) when it has any; a recovered
    /// session also tells of the expired one it replaced (`checkout.recovered`, about that one).
    public func fulfilled(_ record: Purchase, details: CheckoutDetails? = nil, now: Date) -> [Dispatch] {
        var session = NotifiedSession(PurchaseRow(record), lines: record.lines)
        session.details = details.flatMap { $0.isEmpty ? nil : NotifiedCheckoutDetails($0) }
        var dispatches = notification(.checkoutFulfilled, subjectID: record.subjectID, object: .checkoutSession(session), now: now)
        if let expired = details?.recoveredFrom {
            var old = NotifiedSession(unknown: expired)
            old.recoveredBy = record.subjectID
            dispatches += notification(.checkoutRecovered, subjectID: expired, object: .checkoutSession(old), now: now)
        }
        return dispatches
    }

    public func checkoutChanged(_ type: EventType, row: PurchaseRow, details: CheckoutDetails? = nil, now: Date) -> [Dispatch] {
        var session = NotifiedSession(row, lines: [])
        session.details = details.flatMap { $0.isEmpty ? nil : NotifiedCheckoutDetails($0) }
        return notification(type, subjectID: row.subjectID, object: .checkoutSession(session), now: now)
    }

    /// A session as notifications show it.
    static func object(_ record: Purchase) -> NotifiedPurchase {
        .checkoutSession(NotifiedSession(PurchaseRow(record), lines: record.lines))
    }

    /// A session the ledger does not know (yet): its id alone.
    public static func unknownSession(_ id: String) -> NotifiedPurchase {
        .checkoutSession(NotifiedSession(unknown: id))
    }

    // MARK: Orders

    /// The notification an order's move calls for: `order.canceled` when it enters that status (`order.paid`
    /// comes with its fulfilment, which knows what each item came to).
    public func orderMoved(from previous: Order, to next: Order, now: Date) -> [Dispatch] {
        guard previous.status != next.status, next.status == .canceled else { return [] }
        return notification(.orderCanceled, subjectID: next.id, object: Self.object(next), now: now)
    }

    /// `order.paid`: the order and each item with its action, quantity and outcome.
    public func orderPaid(_ order: Order, record: Purchase, now: Date) -> [Dispatch] {
        guard isEnabled else { return [] }
        var notice = NotifiedOrder(order)
        notice.status = "paid"
        notice.lines = record.lines.map(NotifiedLine.init)
        return notification(.orderPaid, subjectID: order.id, object: .order(notice), now: now)
    }

    /// An order as notifications show it.
    static func object(_ order: Order) -> NotifiedPurchase { .order(NotifiedOrder(order)) }

    // MARK: After the payment

    /// The notifications an after-payment decision calls for: `refunded` for money newly refunded (one per
    /// refunded total), `disputed` for each new dispute status. `object` is the purchase; the change is added
    /// under `after_payment`.
    public func afterPayment(
        _ decision: AfterPaymentDecision, subjectID: String, chargeID: String, refunded: EventType, disputed: EventType,
        object: NotifiedPurchase, now: Date
    ) -> [Dispatch] {
        guard isEnabled else { return [] }
        let purchase = object.with(
            afterPayment: NotifiedAfterPayment(
                charge: chargeID, chargeAmount: decision.chargeAmount, amountRefunded: decision.next.refundedAmount,
                newlyRefunded: decision.newlyRefunded, fullyRefunded: decision.next.isFullyRefunded(chargeAmount: decision.chargeAmount),
                dispute: decision.next.dispute.rawValue, access: decision.accessAfter.rawValue,
                stockReturned: decision.next.stockReturned))
        var dispatches: [Dispatch] = []
        if decision.newlyRefunded > 0 {
            dispatches += notification(
                refunded, subjectID: subjectID, fact: "refunded:\(decision.next.refundedAmount)", object: purchase, now: now)
        }
        if decision.next.dispute != decision.previous.dispute {
            dispatches += notification(
                disputed, subjectID: subjectID, fact: "dispute:\(decision.next.dispute.rawValue)", object: purchase, now: now)
        }
        return dispatches
    }
}
