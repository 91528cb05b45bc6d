package import Foundation
package import FulfillmentCore
import StripeAPI

/// Builders of the values store tests store: events, fulfilment plans and their lines, orders. One fixed
/// time, `t0`, so that what a store gives back can be compared exactly.
package enum StoreFixtures {
    package static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    package static func event(
        _ id: String, type: String = "checkout.session.completed", objectID: String = "cs_test_1", at offset: TimeInterval = 0
    ) -> InboxEvent {
        InboxEvent(
            id: id, type: type, objectID: objectID, payload: Data("{\"id\":\"\(id)\"}".utf8), status: .pending,
            receivedAt: t0.addingTimeInterval(offset), nextAttemptAt: t0.addingTimeInterval(offset))
    }

    package static func plan(
        _ sessionID: String = "cs_test_1", kind: PurchaseKind = .checkoutSession, lines: [PlannedLine], now: Date? = nil
    ) -> FulfillmentPlan {
        FulfillmentPlan(
            subjectID: sessionID, kind: kind, paymentIntentID: "pi_1", customerEmail: "jenny@example.com", customerName: "Jenny",
            amountTotal: 3000, currency: "eur",
            shipping: ShippingDetails(address: Address(city: "Berlin", country: "DE", line1: "Street 1"), name: "Jenny"),
            lines: lines, objectJSON: Data("{\"id\":\"\(sessionID)\"}".utf8),
            receipt: { lines in
                OutboundEmail(dedupeKey: "receipt:\(sessionID)", recipient: "jenny@example.com", subject: "Receipt", body: "\(lines.count) lines")
            },
            accessURL: { "https://shop.example/access/\($0)" },
            notifications: { record in MerchantNotifier(isEnabled: true).fulfilled(record, now: now ?? t0) }, now: now ?? t0)
    }

    package static func line(_ id: String, _ action: LineItemAction, quantity: Int = 1) -> PlannedLine {
        PlannedLine(
            lineItemID: id, description: "Item \(id)", quantity: quantity, amountTotal: 1000 * quantity, currency: "eur",
            productID: "prod_\(id)", action: action)
    }

    package static func order(_ id: String, source: String) -> Order {
        Order(
            id: id, amount: 2500, currency: "eur", customerEmail: "sam@example.com", customerName: "Sam",
            items: [OrderItem(name: "Bulbs", quantity: 2, unitAmount: 1250)], paymentMethod: .ideal, usage: .singleUse,
            sourceID: source, sourceStatus: .pending, redirectURL: "https://pay.example/src", retryURL: "https://shop.example",
            createdAt: t0)
    }
}
