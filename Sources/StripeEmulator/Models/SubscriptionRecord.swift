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
