import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// End to end: the emulator delivers Stripe's events to the service, and the service notifies a merchant
/// endpoint that verifies every signature with Stripe's algorithm (`WebhookSignature`, checked against Stripe's
/// own fixtures in StripeAPITests; the compat suite checks it with the official Python SDK).
@Suite struct MerchantNotificationTests {
    static let verifier = WebhookSignature(secrets: [ServiceHarness.merchantSecret])

    /// Every delivery's signature, checked as the merchant would.
    func expectSigned(_ deliveries: some Sequence<WebhookReceiver.Delivery>, now: Date = Date()) {
        for delivery in deliveries {
            #expect(throws: Never.self, "delivery \(delivery.eventID) is signed with the merchant's secret") {
                try Self.verifier.verify(payload: delivery.body, header: delivery.signature, now: now)
            }
        }
    }

    @Test func aPaidSessionGivesOneCheckoutFulfilledWithOneIdThroughTheMerchantsFailures() async throws {
        try await ServiceHarness.run(merchantEndpoint: true) { harness in
            let merchant = try #require(harness.merchant)
            merchant.failNext([500, 500, 503])
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(course.id, 1)], shipping: false)
            try await harness.pay(session)
            try await harness.waitForStatus(session.id, .fulfilled)
            try await harness.eventually("delivered") {
                try await harness.store.dispatches(status: .delivered, subjectID: session.id, limit: 10).count == 1
            }
            let deliveries = merchant.deliveries
            #expect(deliveries.count == 4, "three failed attempts, then the one answered 200")
            #expect(Set(deliveries.map(\.eventID)).count == 1, "the same id on every retry")
            #expect(deliveries.allSatisfy { $0.eventType == "checkout.fulfilled" })
            #expect(deliveries.allSatisfy { $0.body == deliveries[0].body }, "the same body on every retry")
            expectSigned(deliveries)
            let object = deliveries[0].event["data"]?["object"]
            #expect(object?["id"]?.stringValue == session.id)
            #expect(object?["customer"]?["email"]?.stringValue == "jenny@example.com")
            let line = object?["lines"]?.arrayValue?.first
            #expect(line?["action"]?.stringValue == "digital" && line?["outcome"]?.stringValue == "access_granted")
            #expect(line?["quantity"]?.intValue == 1)
            #expect(line?["access_url"]?.stringValue?.hasPrefix("http://shop.test/access/") == true)
            let stored = try #require(try await harness.store.dispatches(status: nil, subjectID: session.id, limit: 10).first)
            #expect(stored.attempts == 4 && stored.lastError == nil)
        }
    }

    @Test func duplicatedAndShuffledStripeDeliveriesStillGiveOneNotificationPerSession() async throws {
        try await ServiceHarness.run(merchantEndpoint: true) { harness in
            let merchant = try #require(harness.merchant)
            merchant.failNext([500, 500])
            try await harness.control("/faults", ["duplicate": 3, "shuffle_window": 6, "shuffle_hold_ms": 400])
            try await harness.store.setStock(sku: "MUG", quantity: 100)
            let mug = try await harness.price("Mug", amount: 1200, metadata: ["fulfillment": "physical", "sku": "MUG"])
            var sessions: [CheckoutSession] = []
            for index in 0..<4 {
                let session = try await harness.session([(mug.id, index + 1)])
                try await harness.pay(session)
                sessions.append(session)
            }
            for session in sessions { try await harness.waitForStatus(session.id, .fulfilled) }
            try await harness.waitForInboxDrained()
            let count = sessions.count
            try await harness.eventually("all delivered") {
                try await harness.store.dispatches(status: .delivered, subjectID: nil, limit: 100).count == count
            }
            let deliveries = merchant.deliveries
            expectSigned(deliveries)
            let fulfilled = deliveries.filter { $0.eventType == "checkout.fulfilled" }
            #expect(fulfilled.count == deliveries.count, "nothing but checkout.fulfilled was sent")
            let sessionsNotified = fulfilled.compactMap { $0.event["data"]?["object"]?["id"]?.stringValue }
            #expect(Set(sessionsNotified) == Set(sessions.map(\.id)))
            for session in sessions {
                let ids = Set(fulfilled.filter { $0.event["data"]?["object"]?["id"]?.stringValue == session.id }.map(\.eventID))
                #expect(ids.count == 1, "one id for \(session.id): \(ids)")
            }
            #expect(fulfilled.count == sessions.count + 2, "each session once, plus the two failed attempts")
        }
    }

    @Test func aMerchantEndpointDownForTheWholeRetryWindowEndsDeadAndIsReplayable() async throws {
        try await ServiceHarness.run(merchantEndpoint: true) { harness in
            let merchant = try #require(harness.merchant)
            merchant.failAll()
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(course.id, 1)], shipping: false)
            try await harness.pay(session)
            try await harness.waitForStatus(session.id, .fulfilled)
            _ = try await merchant.waitFor("a few failed attempts") { $0.count >= 3 }
            #expect(try await harness.store.dispatches(status: .pending, subjectID: session.id, limit: 10).count == 1)
            // Three days later, the endpoint still failing: the next attempt is the last.
            harness.clock.advance(3 * 24 * 3600 + 60)
            try await harness.eventually("dead") {
                try await harness.store.dispatches(status: .dead, subjectID: session.id, limit: 10).count == 1
            }
            let dead = try #require(try await harness.store.dispatches(status: .dead, subjectID: session.id, limit: 10).first)
            #expect(dead.lastError?.contains("merchant endpoint answered 500") == true)
            let attemptsWhenDead = merchant.deliveries.count
            try await Task.sleep(for: .milliseconds(400))
            #expect(merchant.deliveries.count == attemptsWhenDead, "a dead notification is not tried again by itself")

            merchant.recover()
            #expect(try await harness.store.replayDispatch(id: dead.dispatch.id, now: harness.clock.now))
            try await harness.eventually("delivered after replay") {
                try await harness.store.dispatches(status: .delivered, subjectID: session.id, limit: 10).count == 1
            }
            let deliveries = merchant.deliveries
            #expect(Set(deliveries.map(\.eventID)) == [dead.dispatch.id], "the replay carries the same id")
            expectSigned(deliveries.suffix(1), now: harness.clock.now)
        }
    }

    @Test func ordersNotifyPaidAndCanceledOnceEach() async throws {
        try await ServiceHarness.run(merchantEndpoint: true) { harness in
            let merchant = try #require(harness.merchant)
            try await harness.control("/faults", ["duplicate": 2])
            let paid = try await harness.order("ideal")
            let failed = try await harness.order("ideal")
            try await harness.authorize(paid.sourceID, "chargeable")
            try await harness.authorize(failed.sourceID, "failed")
            try await harness.waitForOrder(paid.id, .paid)
            try await harness.waitForOrder(failed.id, .canceled)
            try await harness.waitForInboxDrained()
            let deliveries = try await merchant.waitFor("two notifications") { $0.count >= 2 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(merchant.deliveries.count == 2)
            expectSigned(deliveries)
            let byType = Dictionary(grouping: deliveries, by: \.eventType)
            #expect(byType["order.paid"]?.first?.event["data"]?["object"]?["id"]?.stringValue == paid.id)
            #expect(byType["order.paid"]?.first?.event["data"]?["object"]?["charge"]?.stringValue?.hasPrefix("ch_") == true)
            #expect(byType["order.canceled"]?.first?.event["data"]?["object"]?["id"]?.stringValue == failed.id)
        }
    }

    @Test func aFailedDelayedPaymentAndAnExpiryAreNotifiedOnceEach() async throws {
        try await ServiceHarness.run(merchantEndpoint: true) { harness in
            let merchant = try #require(harness.merchant)
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let failing = try await harness.session([(course.id, 1)], email: "late@example.com", shipping: false)
            try await harness.pay(failing, outcome: "delayed_failure")
            try await harness.waitForStatus(failing.id, .awaitingPayment)
            let expiring = try await harness.session([(course.id, 1)], shipping: false)
            _ = try await harness.stripe.expireCheckoutSession(expiring.id)
            try await harness.control("/clock/advance", ["seconds": .int(3 * 24 * 3600 + 1)])
            try await harness.waitForStatus(failing.id, .paymentFailed)
            try await harness.waitForStatus(expiring.id, .expired)
            try await harness.waitForInboxDrained()
            let deliveries = try await merchant.waitFor("two notifications") { $0.count >= 2 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(merchant.deliveries.count == 2, "nothing for the paid-later session but its failure")
            expectSigned(deliveries)
            let failed = deliveries.first { $0.eventType == "checkout.payment_failed" }
            #expect(failed?.event["data"]?["object"]?["id"]?.stringValue == failing.id)
            #expect(failed?.event["data"]?["object"]?["customer"]?["email"]?.stringValue == "late@example.com")
            #expect(deliveries.first { $0.eventType == "checkout.expired" }?.event["data"]?["object"]?["id"]?.stringValue == expiring.id)
        }
    }
}
