import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// The reconciler against the emulator: what no webhook brought is found in Stripe's event list and in its
/// paid sessions, handled once, and a second pass finds nothing.
@Suite struct ReconciliationTests {
    @Test func eventsNoWebhookBroughtAreRecoveredAndHandledOnce() async throws {
        try await ServiceHarness.run { harness in
            // Every delivery is lost in transit: the service hears nothing.
            try await harness.control("/faults", ["drop_rate": "1"])
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            var sessions: [CheckoutSession] = []
            for _ in 0..<3 {
                let session = try await harness.session([(course.id, 1)], shipping: false)
                try await harness.pay(session)
                sessions.append(session)
            }
            let order = try await harness.order("ideal")
            try await harness.authorize(order.sourceID, "chargeable")
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await harness.store.eventCounts().values.reduce(0, +) == 0, "no webhook arrived")

            let reconciler = harness.service.reconciler(holder: "test")
            let dryRun = try await reconciler.run(dryRun: true)
            #expect(dryRun.progress.eventsRecovered >= 4 && dryRun.fulfilledSessions.count == 3)
            #expect(try await harness.store.eventCounts().values.reduce(0, +) == 0, "a dry run changes nothing")
            #expect(try await harness.store.reconcilerState().watermark == nil)

            let first = try await reconciler.run()
            #expect(first.recovered.count == dryRun.recovered.count)
            #expect(Set(first.recovered.map(\.type)).isSuperset(of: ["checkout.session.completed", "source.chargeable"]))
            // The paid sessions were fulfilled by the pass itself or by the workers handling what it recovered.
            for session in sessions { try await harness.waitForStatus(session.id, .fulfilled) }
            try await harness.waitForOrder(order.id, .paid)
            try await harness.waitForInboxDrained()
            #expect(try await harness.store.listEvents(status: nil, limit: 100).allSatisfy { $0.origin == .reconciler })
            try await harness.eventually("three receipts") { harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix("receipt:") }.count == 3 }
            #expect(try await harness.charges(forOrder: order.id).count == 1)
            let watermark = try #require(try await harness.store.reconcilerState().watermark)
            #expect(abs(watermark.timeIntervalSince(first.startedAt)) < 0.001, "the watermark is when the pass began")

            // Handling what was recovered made new events (the order's charge), lost in transit too: the next pass
            // recovers those; after it, nothing is left.
            let second = try await reconciler.run()
            #expect(Set(second.recovered.map(\.type)).isSubset(of: ["charge.pending", "charge.succeeded"]))
            try await harness.waitForInboxDrained()
            let events = try await harness.store.eventCounts()
            let again = try await reconciler.run()
            #expect(again.progress.eventsRecovered == 0 && again.fulfilledSessions.isEmpty, "nothing left to recover")
            #expect(again.progress.eventsFound >= first.recovered.count, "the overlap looks again, and finds it all stored")
            #expect(try await harness.store.eventCounts() == events, "and changes nothing")
            try await Task.sleep(for: .milliseconds(300))
            #expect(harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix("receipt:") }.count == 3, "one receipt each")
        }
    }

    @Test func aPaymentIntentOrderWhoseEveryWebhookWasLostIsPaidOnce() async throws {
        try await ServiceHarness.run { harness in
            try await harness.control("/faults", ["drop_rate": "1"])
            let reply = try await harness.paymentIntentOrder("ideal")
            let id = try #require(reply.json["id"]?.stringValue)
            try await harness.authorizeIntent(try #require(reply.json["payment_intent"]?.stringValue), "succeed")
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await harness.store.order(id: id)?.status == .awaitingPayment, "no webhook arrived")

            let reconciler = harness.service.reconciler(holder: "test")
            let dryRun = try await reconciler.run(dryRun: true)
            #expect(dryRun.paidOrders == [id] && dryRun.line.contains("would pay 1 of 1 orders"))
            #expect(Set(dryRun.recovered.map(\.type)).isSuperset(of: ["payment_intent.requires_action", "payment_intent.succeeded"]))
            #expect(try await harness.store.order(id: id)?.status == .awaitingPayment, "a dry run changes nothing")

            _ = try await reconciler.run()
            try await harness.waitForOrder(id, .paid)
            try await harness.waitForInboxDrained()
            try await harness.eventually("confirmation sent") { !harness.sentEmails("order_confirmed:\(id)").isEmpty }
            let again = try await reconciler.run()
            #expect(again.paidOrders.isEmpty && again.progress.eventsRecovered == 0)
            try await Task.sleep(for: .milliseconds(300))
            #expect(harness.sentEmails("order_confirmed:\(id)").count == 1)
            #expect(try await harness.store.purchase(subjectID: id)?.status == .fulfilled)
        }
    }

    @Test func aPassIsHeldByOneProcessAtATime() async throws {
        try await ServiceHarness.run { harness async throws in
            #expect(try await harness.store.claimReconciler(holder: "another instance", now: Date(), leaseUntil: Date().addingTimeInterval(60)))
            await #expect(throws: Reconciler.Busy.self) { _ = try await harness.service.reconciler(holder: "me").run() }
        }
    }
}
