import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// End to end against the emulator: refunds and disputes after a Checkout Session's payment or an order's
/// charge move access, stock, the ledger, the customer's email and the merchant's notification, once each.
@Suite struct AfterPaymentTests {
    /// A course (digital) and two mugs (stock 5): 4,900 + 2 × 1,200 = 7,300.
    struct Bought {
        var session: CheckoutSession
        var chargeID: String
        var accessPath: String
    }

    func buy(_ harness: ServiceHarness) async throws -> Bought {
        try await harness.store.setStock(sku: "MUG", quantity: 5)
        let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
        let mug = try await harness.price("Mug", amount: 1200, metadata: ["fulfillment": "physical", "sku": "MUG"])
        let session = try await harness.session([(course.id, 1), (mug.id, 2)])
        try await harness.pay(session)
        try await harness.waitForStatus(session.id, .fulfilled)
        #expect(try await harness.store.stockLevel(sku: "MUG") == 3)
        let record = try #require(try await harness.store.purchase(subjectID: session.id))
        guard case .accessGranted(let url)? = record.lines.first?.outcome else { throw ServiceHarness.TimedOut(description: "no access") }
        let path = String(url.dropFirst("http://shop.test".count))
        #expect(try await harness.get(path).status == 200)
        return Bought(session: session, chargeID: try await harness.chargeID(paying: session), accessPath: path)
    }

    func access(_ harness: ServiceHarness, _ purchase: Bought) async throws -> String? {
        let page = try await harness.get(purchase.accessPath)
        return page.text.firstMatch(of: /data-access="([a-z]+)"/).map { String($0.1) }
    }

    func notifications(_ harness: ServiceHarness, _ type: String) -> [WebhookReceiver.Delivery] {
        (harness.merchant?.deliveries ?? []).filter { $0.eventType == type }
    }

    @Test func aFullRefundRevokesAccessReturnsStockEmailsAndNotifiesOnce() async throws {
        try await ServiceHarness.run(merchantEndpoint: true) { harness in
            let purchase = try await buy(harness)
            try await harness.refund(charge: purchase.chargeID)
            try await harness.waitForAfterPayment(purchase.session.id, "refunded") { $0.state.refundedAmount == 7300 }
            try await harness.waitForInboxDrained()
            #expect(try await access(harness, purchase) == "revoked")
            #expect(try await harness.get(purchase.accessPath).status == 403)
            #expect(try await harness.store.stockLevel(sku: "MUG") == 5, "the two served mugs went back")
            let record = try #require(try await harness.store.afterPayment(subjectID: purchase.session.id))
            #expect(record.state == AfterPaymentState(refundedAmount: 7300, dispute: .none, stockReturned: true))
            #expect(record.chargeID == purchase.chargeID && record.access == .revoked)
            try await harness.eventually("refund email") { harness.sentEmails("refund:\(purchase.session.id):7300").count == 1 }
            #expect(harness.sentEmails("refund:\(purchase.session.id):7300").first?.email.body.contains("access that came with this order has ended") == true)
            try await harness.eventually("refund notified") { notifications(harness, "checkout.refunded").count == 1 }
            let refunded = try #require(notifications(harness, "checkout.refunded").first)
            #expect(refunded.event["data"]?["object"]?["after_payment"]?["fully_refunded"]?.boolValue == true)
            #expect(refunded.event["data"]?["object"]?["after_payment"]?["access"]?.stringValue == "revoked")

            // Stripe delivers charge.refunded again, and an operator replays it: nothing happens twice.
            let event = try #require(try await harness.store.listEvents(status: nil, limit: 100).first { $0.type == "charge.refunded" })
            #expect(try await harness.store.replayEvent(id: event.id, now: harness.clock.now))
            try await harness.waitForInboxDrained()
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await harness.store.stockLevel(sku: "MUG") == 5)
            #expect(harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix("refund:") }.count == 1)
            #expect(notifications(harness, "checkout.refunded").count == 1)
        }
    }

    @Test func partialRefundsAreRecordedAndNotifiedWithoutRevokingUntilTheyAddUpToTheCharge() async throws {
        try await ServiceHarness.run(merchantEndpoint: true) { harness in
            let purchase = try await buy(harness)
            try await harness.refund(charge: purchase.chargeID, amount: 1200)
            try await harness.waitForAfterPayment(purchase.session.id, "partly refunded") { $0.state.refundedAmount == 1200 }
            #expect(try await access(harness, purchase) == "active")
            let partly = try await harness.get("/api/checkout/sessions/\(purchase.session.id)").json
            #expect(partly["refund_status"] == "partial" && partly["refunded_amount"] == 1200 && partly["access"] == "active")
            #expect(try await harness.store.stockLevel(sku: "MUG") == 3, "a partial refund returns nothing by itself")
            try await harness.eventually("partial refund email") { harness.sentEmails("refund:\(purchase.session.id):1200").count == 1 }
            #expect(harness.sentEmails("refund:\(purchase.session.id):1200").first?.email.subject == "Your partial refund")

            try await harness.refund(charge: purchase.chargeID)
            try await harness.waitForAfterPayment(purchase.session.id, "refunded in full") { $0.state.refundedAmount == 7300 }
            #expect(try await access(harness, purchase) == "revoked")
            // The status JSON says what the access page does: refunded in full, access revoked (on the line too).
            let status = try await harness.get("/api/checkout/sessions/\(purchase.session.id)").json
            #expect(status["status"] == "fulfilled" && status["refund_status"] == "full" && status["refunded_amount"] == 7300)
            #expect(status["access"] == "revoked" && status["dispute_status"] == "none")
            #expect(status["line_items"]?.arrayValue?.first?["outcome"] == "access_granted", "the fulfilment's outcome stays as it was")
            #expect(status["line_items"]?.arrayValue?.first?["access"] == "revoked")
            #expect(try await harness.store.stockLevel(sku: "MUG") == 5)
            try await harness.eventually("two refund notifications") { notifications(harness, "checkout.refunded").count == 2 }
            let amounts = notifications(harness, "checkout.refunded").compactMap {
                $0.event["data"]?["object"]?["after_payment"]?["newly_refunded"]?.intValue
            }
            #expect(amounts.sorted() == [1200, 6100])
            #expect(Set(notifications(harness, "checkout.refunded").map(\.eventID)).count == 2, "one id per refund")
        }
    }

    @Test(arguments: ["won", "lost"])
    func aDisputeSuspendsAccessThenWonRestoresAndLostRevokes(outcome: String) async throws {
        try await ServiceHarness.run(merchantEndpoint: true) { harness in
            let purchase = try await buy(harness)
            let disputeID = try await harness.dispute(charge: purchase.chargeID)
            try await harness.waitForAfterPayment(purchase.session.id, "disputed") { $0.state.dispute == .open }
            #expect(try await access(harness, purchase) == "suspended")
            try await harness.closeDispute(disputeID, outcome: outcome)
            try await harness.waitForAfterPayment(purchase.session.id, outcome) { $0.state.dispute.rawValue == outcome }
            try await harness.waitForInboxDrained()
            #expect(try await access(harness, purchase) == (outcome == "won" ? "active" : "revoked"))
            #expect(try await harness.store.stockLevel(sku: "MUG") == 3, "a dispute returns no stock")
            try await harness.eventually("two dispute notifications") { notifications(harness, "checkout.disputed").count == 2 }
            let states = notifications(harness, "checkout.disputed").compactMap {
                $0.event["data"]?["object"]?["after_payment"]?["dispute"]?.stringValue
            }
            #expect(Set(states) == ["open", outcome])
            #expect(harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix("refund:") }.isEmpty)
        }
    }

    @Test func aRefundDeliveredBeforeItsSessionsCompletionStillUndoesTheFulfilment() async throws {
        try await ServiceHarness.run(runWorkers: false, merchantEndpoint: true) { harness in
            try await harness.store.setStock(sku: "MUG", quantity: 5)
            let mug = try await harness.price("Mug", amount: 1200, metadata: ["fulfillment": "physical", "sku": "MUG"])
            let session = try await harness.session([(mug.id, 2)])
            try await harness.pay(session)
            try await harness.refund(charge: try await harness.chargeID(paying: session))
            try await harness.eventually("both events stored") {
                let types = try await harness.store.listEvents(status: nil, limit: 100).map(\.type)
                return types.contains("charge.refunded") && types.contains("checkout.session.completed")
            }
            // The refund is handled first, then the completion (and every other event) after it.
            let processor = harness.service.eventProcessor
            let events = try await harness.store.listEvents(status: .pending, limit: 100)
            let refund = try #require(events.first { $0.type == "charge.refunded" })
            #expect(await processor.process(refund) == .processed)
            #expect(try await harness.store.purchase(subjectID: session.id)?.status == .fulfilled)
            for event in events where event.id != refund.id { _ = await processor.process(event) }

            let record = try #require(try await harness.store.afterPayment(subjectID: session.id))
            #expect(record.state == AfterPaymentState(refundedAmount: 2400, dispute: .none, stockReturned: true))
            #expect(try await harness.store.stockLevel(sku: "MUG") == 5)
            let queued = try await harness.store.emails(dedupeKeyPrefix: nil).map(\.email.dedupeKey)
            #expect(queued.sorted() == ["receipt:\(session.id)", "refund:\(session.id):2400"])
            let notified = try await harness.store.dispatches(status: nil, subjectID: session.id, limit: 10).map(\.dispatch.type)
            #expect(notified.sorted() == ["checkout.fulfilled", "checkout.refunded"])
        }
    }

    @Test func anOrdersRefundsAndDisputeAreRecordedEmailedAndNotifiedOnce() async throws {
        try await ServiceHarness.run(merchantEndpoint: true) { harness in
            try await harness.control("/faults", ["duplicate": 2])
            let (orderID, sourceID) = try await harness.order("ideal", amount: 2500)
            try await harness.authorize(sourceID, "chargeable")
            try await harness.waitForOrder(orderID, .paid)
            let chargeID = try #require(try await harness.store.order(id: orderID)?.chargeID)

            try await harness.refund(charge: chargeID, amount: 500)
            try await harness.waitForAfterPayment(orderID, "partly refunded") { $0.state.refundedAmount == 500 }
            try await harness.refund(charge: chargeID)
            try await harness.waitForAfterPayment(orderID, "refunded") { $0.state.refundedAmount == 2500 }
            try await harness.waitForInboxDrained()
            try await harness.eventually("refund emails") { harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix("refund:\(orderID)") }.count == 2 }
            try await harness.eventually("order.refunded twice") { notifications(harness, "order.refunded").count == 2 }
            #expect(try await harness.store.order(id: orderID)?.status == .paid, "the order stays paid; the refund is beside it")
            let orderStatus = try await harness.get("/api/orders/\(orderID)").json
            #expect(orderStatus["status"] == "paid" && orderStatus["refund_status"] == "full" && orderStatus["refunded_amount"] == 2500)

            let (disputed, disputedSource) = try await harness.order("ideal", amount: 1800)
            try await harness.authorize(disputedSource, "chargeable")
            try await harness.waitForOrder(disputed, .paid)
            let disputedCharge = try #require(try await harness.store.order(id: disputed)?.chargeID)
            let disputeID = try await harness.dispute(charge: disputedCharge)
            try await harness.waitForAfterPayment(disputed, "open") { $0.state.dispute == .open }
            try await harness.closeDispute(disputeID, outcome: "lost")
            try await harness.waitForAfterPayment(disputed, "lost") { $0.state.dispute == .lost && $0.access == .revoked }
            let lost = try await harness.get("/api/orders/\(disputed)").json
            #expect(lost["dispute_status"] == "lost" && lost["access"] == "revoked" && lost["refund_status"] == "none")
            try await harness.eventually("order.disputed twice") { notifications(harness, "order.disputed").count == 2 }
            try await harness.waitForInboxDrained()
            try await Task.sleep(for: .milliseconds(300))
            #expect(notifications(harness, "order.refunded").count == 2 && notifications(harness, "order.disputed").count == 2)
        }
    }
}
