import Foundation
import StripeAPI

/// A subscription as Stripe Billing keeps it: a customer, the prices billed every period, the current period,
/// and its status (`trialing`, `active`, `past_due` while a renewal is unpaid, `canceled`; `incomplete` when the
/// first invoice failed).
struct SubscriptionRecord: Sendable {
    enum Status: String, Sendable {
        case incomplete, trialing, active, canceled, unpaid
        case incompleteExpired = "incomplete_expired"
        case pastDue = "past_due"

        var isLive: Bool { self == .trialing || self == .active || self == .pastDue }
    }

    struct Item: Sendable {
        var id: String
        var priceID: String
        var quantity: Int
    }

    var id: String
    var created: Int
    var customerID: String
    var items: [Item]
    var status: Status
    var interval: PriceRecord.Recurring
    var currentPeriodStart: Int
    var currentPeriodEnd: Int
    var trialStart: Int?
    var trialEnd: Int?
    var cancelAtPeriodEnd = false
    var canceledAt: Int?
    var endedAt: Int?
    var cancellationReason: String?
    var defaultPaymentMethod: String?
    var latestInvoiceID: String?
    var metadata: [String: String]
    var testClockID: String?

    /// The period after one that starts at `start`: calendar months and years, as Stripe bills (anchored on
    /// the start's day, the last day of a shorter month).
    static func periodEnd(after start: Int, _ interval: PriceRecord.Recurring) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = Date(timeIntervalSince1970: TimeInterval(start))
        let component: Calendar.Component =
            switch interval.interval {
            case "day": .day
            case "week": .weekOfYear
            case "year": .year
            default: .month
            }
        let next = calendar.date(byAdding: component, value: interval.intervalCount, to: date) ?? date
        return Int(next.timeIntervalSince1970)
    }

    func json(prices: (String) -> JSONValue) -> JSONValue {
        let itemsJSON: [JSONValue] = items.map { item in
            [
                "id": .string(item.id), "object": "subscription_item", "created": .int(created), "price": prices(item.priceID),
                "quantity": .int(item.quantity), "subscription": .string(id), "metadata": [:],
                "current_period_start": .int(currentPeriodStart), "current_period_end": .int(currentPeriodEnd),
            ]
        }
        return [
            "id": .string(id), "object": "subscription", "created": .int(created), "customer": .string(customerID),
            "status": .string(status.rawValue), "livemode": false, "metadata": .stringMap(metadata), "currency": "eur",
            "items": ["object": "list", "data": .array(itemsJSON), "has_more": false, "url": .string("/v1/subscription_items?subscription=\(id)")],
            "current_period_start": .int(currentPeriodStart), "current_period_end": .int(currentPeriodEnd),
            "billing_cycle_anchor": .int(trialEnd ?? created), "start_date": .int(created),
            "trial_start": .int(trialStart), "trial_end": .int(trialEnd), "cancel_at_period_end": .bool(cancelAtPeriodEnd),
            "cancel_at": cancelAtPeriodEnd ? .int(currentPeriodEnd) : .null, "canceled_at": .int(canceledAt), "ended_at": .int(endedAt),
            "cancellation_details": ["reason": .string(cancellationReason), "comment": nil, "feedback": nil],
            "collection_method": "charge_automatically", "default_payment_method": .string(defaultPaymentMethod),
            "latest_invoice": .string(latestInvoiceID), "test_clock": .string(testClockID), "pause_collection": nil,
            "automatic_tax": ["enabled": false, "liability": nil],
        ]
    }
}

/// An invoice: a subscription's first one (`subscription_create`), each renewal's (`subscription_cycle`, a
/// draft for an hour, then finalized and charged), retried on a schedule when its payment fails.
struct InvoiceRecord: Sendable {
    enum Status: String, Sendable { case draft, open, paid, void, uncollectible }

    var id: String
    var created: Int
    var customerID: String
    var subscriptionID: String
    var billingReason: String
    var status: Status = .draft
    var currency: String
    var lines: [(priceID: String, quantity: Int, amount: Int)]
    var periodStart: Int
    var periodEnd: Int
    /// When the draft is finalized and charged (an hour after creation, as Stripe does).
    var automaticallyFinalizesAt: Int?
    var finalizedAt: Int? = nil
    var attemptCount = 0
    var nextPaymentAttempt: Int?
    var chargeID: String?
    var paymentIntentID: String?
    var paidAt: Int?
    var hostedURL: String
    var testClockID: String?

    var amountDue: Int { lines.reduce(0) { $0 + $1.amount } }

    /// The invoice; `prices` renders a line's price (the versions before 2025-03-31.basil embed it).
    func json(prices: (String) -> JSONValue) -> JSONValue {
        let linesJSON: [JSONValue] = lines.enumerated().map { index, line in
            [
                "id": .string("il_\(id.dropFirst(3))_\(index)"), "object": "line_item", "amount": .int(line.amount), "currency": .string(currency),
                "quantity": .int(line.quantity), "price": prices(line.priceID), "discountable": true, "livemode": false, "metadata": [:],
                "proration": false, "type": "subscription", "subscription": .string(subscriptionID), "description": nil,
                "discount_amounts": [], "discounts": [], "tax_amounts": [], "tax_rates": [], "amount_excluding_tax": .int(line.amount),
                "period": ["start": .int(periodStart), "end": .int(periodEnd)],
                "pricing": ["price_details": ["price": .string(line.priceID)], "type": "price_details"],
            ]
        }
        return [
            "id": .string(id), "object": "invoice", "created": .int(created), "customer": .string(customerID),
            "subscription": .string(subscriptionID), "billing_reason": .string(billingReason), "status": .string(status.rawValue),
            "currency": .string(currency), "amount_due": .int(amountDue), "amount_paid": .int(status == .paid ? amountDue : 0),
            "amount_remaining": .int(status == .paid ? 0 : amountDue), "total": .int(amountDue), "subtotal": .int(amountDue),
            "lines": ["object": "list", "data": .array(linesJSON), "has_more": false, "url": .string("/v1/invoices/\(id)/lines")],
            "period_start": .int(periodStart), "period_end": .int(periodEnd),
            "automatically_finalizes_at": .int(status == .draft ? automaticallyFinalizesAt : nil),
            "attempt_count": .int(attemptCount), "attempted": .bool(attemptCount > 0),
            "next_payment_attempt": .int(nextPaymentAttempt), "paid": .bool(status == .paid),
            "charge": .string(chargeID), "payment_intent": .string(paymentIntentID),
            "status_transitions": ["paid_at": .int(paidAt), "finalized_at": .int(finalizedAt), "voided_at": nil, "marked_uncollectible_at": nil],
            "hosted_invoice_url": status == .draft ? .null : .string(hostedURL), "livemode": false, "metadata": [:],
            "collection_method": "charge_automatically", "test_clock": .string(testClockID), "amount_shipping": 0,
            "automatic_tax": ["enabled": false, "status": nil, "liability": nil], "default_tax_rates": [], "paid_out_of_band": false,
            "payment_settings": ["default_mandate": nil, "payment_method_options": nil, "payment_method_types": nil],
            "post_payment_credit_notes_amount": 0, "pre_payment_credit_notes_amount": 0, "starting_balance": 0, "total_tax_amounts": [],
            "number": .string("EMU-\(id.suffix(6).uppercased())"),
            "parent": [
                "type": "subscription_details",
                "subscription_details": ["subscription": .string(subscriptionID), "metadata": [:]], "quote_details": nil,
            ],
        ]
    }
}

/// A test clock: a frozen time its customers' subscriptions live by, moved forward on request.
struct TestClockRecord: Sendable {
    var id: String
    var created: Int
    var frozenTime: Int
    var name: String?
    var status = "ready"

    var json: JSONValue {
        [
            "id": .string(id), "object": "test_helpers.test_clock", "created": .int(created), "frozen_time": .int(frozenTime),
            "name": .string(name), "status": .string(status), "livemode": false, "deletes_after": .int(created + 30 * 24 * 3600),
        ]
    }
}
