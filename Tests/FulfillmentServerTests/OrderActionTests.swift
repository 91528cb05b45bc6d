import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// Orders paid through Sources run the same actions as Checkout line items: items that refer to Stripe prices
/// are priced by the service, fulfilled through the same ledger when paid, confirmed with what was delivered,
/// notified as `order.paid`, and undone by refunds and disputes like a session.
@Suite struct OrderActionTests {
    /// A course (digital) and two mugs (stock 5), by price id: 4,900 + 2 × 1,200 = 7,300.
    func orderByPrice(_ harness: ServiceHarness) async throws -> (id: String, accessPath: String) {
        try await harness.store.setStock(sku: "MUG", quantity: 5)
        let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
        let mug = try await harness.price("Mug", amount: 1200, metadata: ["fulfillment": "physical", "sku": "MUG"])
        let (id, sourceID) = try await harness.order(
            "ideal",
            extra: [
                "items": [
                    ["price": .string(course.id), "quantity": 1],
                    // A unit_amount beside a price is ignored: the service prices the item from Stripe.
                    ["price": .string(mug.id), "quantity": 2, "unit_amount": 1],
                ]
            ])
        let order = try #require(try await harness.store.order(id: id))
        #expect(order.amount == 7300 && order.items.map(\.name) == ["Course", "Mug"])
        #expect(order.items.map(\.action) == [.grantAccess, .ship(sku: "MUG")])
        try await harness.authorize(sourceID, "chargeable")
        try await harness.waitForOrder(id, .paid)
        try await harness.eventually("order fulfilled") { try await harness.store.purchase(subjectID: id)?.status == .fulfilled }
        let record = try #require(try await harness.store.purchase(subjectID: id))
        guard case .accessGranted(let url)? = record.lines.first?.outcome else { throw ServiceHarness.TimedOut(description: "no access") }
        return (id, String(url.dropFirst("http://shop.test".count)))
    }

    @Test func aPaidOrderIsFulfilledThroughTheLedgerConfirmedWithWhatWasDeliveredAndNotifiedOnce() async throws {
        try await ServiceHarness.run(merchantEndpoint: true) { harness in
            try await harness.control("/faults", ["duplicate": 2])
            let (id, accessPath) = try await orderByPrice(harness)
            #expect(try await harness.get(accessPath).status == 200)
            #expect(try await harness.store.stockLevel(sku: "MUG") == 3)
            let record = try #require(try await harness.store.purchase(subjectID: id))
            #expect(record.lines.map(\.outcome.kind) == [.accessGranted, .shipped])
            try await harness.eventually("confirmation") { harness.sentEmails("order_confirmed:\(id)").count == 1 }
            let body = try #require(harness.sentEmails("order_confirmed:\(id)").first?.email.body)
            #expect(body.contains("access granted at http://shop.test/access/") && body.contains("2 shipping now"))
            try await harness.waitForInboxDrained()
            let paid = try await harness.merchant!.waitFor("order.paid") { $0.contains { $0.eventType == "order.paid" } }
            try await Task.sleep(for: .milliseconds(300))
            #expect(harness.merchant!.deliveries.filter { $0.eventType == "order.paid" }.count == 1)
            let lines = paid.first { $0.eventType == "order.paid" }?.event["data"]?["object"]?["lines"]?.arrayValue ?? []
            #expect(lines.map { $0["action"]?.stringValue ?? "" } == ["digital", "physical"])
            #expect(lines.map { $0["outcome"]?.stringValue ?? "" } == ["access_granted", "shipped"])
            #expect(harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix("order_") }.count == 1, "one confirmation, no other")
        }
    }

    @Test func aFullRefundOfAnOrderRevokesItsAccessAndReturnsItsStockOnce() async throws {
        try await ServiceHarness.run(merchantEndpoint: true) { harness in
            let (id, accessPath) = try await orderByPrice(harness)
            let chargeID = try #require(try await harness.store.order(id: id)?.chargeID)
            try await harness.refund(charge: chargeID, amount: 1000)
            try await harness.waitForAfterPayment(id, "partly refunded") { $0.state.refundedAmount == 1000 }
            #expect(try await harness.get(accessPath).status == 200, "a partial refund revokes nothing")
            #expect(try await harness.store.stockLevel(sku: "MUG") == 3)
            try await harness.refund(charge: chargeID)
            try await harness.waitForAfterPayment(id, "refunded") { $0.state.refundedAmount == 7300 && $0.state.stockReturned }
            try await harness.waitForInboxDrained()
            #expect(try await harness.get(accessPath).status == 403)
            #expect(try await harness.store.stockLevel(sku: "MUG") == 5)
            try await harness.eventually("two refund emails") { harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix("refund:\(id)") }.count == 2 }
            let last = try #require(harness.sentEmails("refund:\(id):7300").first)
            #expect(last.email.body.contains("access that came with this order has ended"))
            try await harness.eventually("order.refunded twice") { harness.merchant!.deliveries.filter { $0.eventType == "order.refunded" }.count == 2 }
        }
    }

    @Test(arguments: ["won", "lost"])
    func aDisputedOrderIsSuspendedThenRestoredOrRevoked(outcome: String) async throws {
        try await ServiceHarness.run(merchantEndpoint: true) { harness in
            let (id, accessPath) = try await orderByPrice(harness)
            let chargeID = try #require(try await harness.store.order(id: id)?.chargeID)
            let disputeID = try await harness.dispute(charge: chargeID)
            try await harness.waitForAfterPayment(id, "open") { $0.state.dispute == .open }
            #expect(try await harness.get(accessPath).text.contains(#"data-access="suspended""#))
            try await harness.closeDispute(disputeID, outcome: outcome)
            try await harness.waitForAfterPayment(id, outcome) { $0.state.dispute.rawValue == outcome }
            #expect(try await harness.get(accessPath).status == (outcome == "won" ? 200 : 403))
            #expect(try await harness.store.stockLevel(sku: "MUG") == 3)
            try await harness.eventually("order.disputed twice") { harness.merchant!.deliveries.filter { $0.eventType == "order.disputed" }.count == 2 }
        }
    }

    @Test func itemsByPriceAreRefusedWithTheReasonWhenTheyCannotBeSold() async throws {
        try await ServiceHarness.run { harness in
            let misspelt = try await harness.price("Mug", amount: 1200, metadata: ["fulfillment": "phsyical"])
            let usd = try await harness.stripe.createPrice(
                ["product": .string(misspelt.product.id), "currency": "usd", "unit_amount": 900])
            func attempt(_ price: String) async throws -> ServiceHarness.Reply {
                try await harness.createOrder([
                    "items": [["price": .string(price), "quantity": 1]], "currency": "eur", "email": "sam@example.com",
                    "payment_method": "ideal", "payment_flow": "sources",
                ])
            }
            let unknownAction = try await attempt(misspelt.id)
            #expect(unknownAction.status == 400)
            #expect(unknownAction.json["error"]?.stringValue?.contains("\"phsyical\" is not an action") == true)
            let otherCurrency = try await attempt(usd.id)
            #expect(otherCurrency.status == 400 && otherCurrency.json["error"]?.stringValue?.contains("usd") == true)
            let missing = try await attempt("price_doesnotexist")
            #expect(missing.status == 400 && missing.json["error"]?.stringValue?.contains("does not exist") == true)
            let malformed = try await attempt("prod_notaprice")
            #expect(malformed.status == 400)
        }
    }
}
