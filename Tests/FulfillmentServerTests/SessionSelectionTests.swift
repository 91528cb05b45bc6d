import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// `FULFILL_WHEN` and `RECEIPTS`: on an account shared with other integrations, only our sessions are
/// fulfilled and receipted; the others are recorded as ignored with the reason, and their customers hear
/// nothing from us.
@Suite struct SessionSelectionTests {
    private func session(_ harness: ServiceHarness, price: String, shop: String) async throws -> CheckoutSession {
        try await harness.stripe.createCheckoutSession([
            "mode": "payment", "success_url": .string("\(harness.serviceURL)/checkout/complete?session_id={CHECKOUT_SESSION_ID}"),
            "customer_email": "jenny@example.com", "metadata": ["shop": .string(shop)],
            "line_items": [["price": .string(price), "quantity": 1]],
        ])
    }

    @Test func anotherIntegrationsSessionsAreIgnoredWithTheReasonAndNeverEmailed() async throws {
        let demoOnly = try SessionFilter(parsing: "metadata.shop=demo")
        try await ServiceHarness.run(configure: { $0.sessionFilter = demoOnly }) { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let ours = try await session(harness, price: course.id, shop: "demo")
            let theirs = try await session(harness, price: course.id, shop: "subscriptions")
            let theirsDelayed = try await session(harness, price: course.id, shop: "subscriptions")
            try await harness.pay(ours)
            try await harness.pay(theirs)
            try await harness.pay(theirsDelayed, outcome: "delayed_failure")
            try await harness.advanceEmulatorClock(seconds: 4 * 24 * 3600)
            try await harness.waitForStatus(ours.id, .fulfilled)
            try await harness.waitForInboxDrained()
            try await harness.eventually("our receipt") { harness.sentEmails("receipt:\(ours.id)").count == 1 }

            #expect(try await harness.store.purchase(subjectID: theirs.id) == nil, "no ledger row for another integration's session")
            #expect(try await harness.store.purchase(subjectID: theirsDelayed.id) == nil)
            let ignored = try await harness.store.listEvents(status: .ignored, limit: 100)
            let aboutTheirs = ignored.filter { $0.objectID == theirs.id || $0.objectID == theirsDelayed.id }
            #expect(
                Set(aboutTheirs.map(\.type)) == ["checkout.session.completed", "checkout.session.async_payment_failed"],
                "their completion and failed payment are recorded as ignored")
            #expect(aboutTheirs.allSatisfy { $0.lastError?.contains("metadata.shop=demo") == true && $0.lastError?.contains("'subscriptions'") == true })
            #expect(try await harness.store.listEvents(status: .dead, limit: 10).isEmpty)
            #expect(harness.emails.sent.allSatisfy { $0.email.dedupeKey.hasSuffix(ours.id) }, "nothing sent to their customers")

            let landing = try await harness.get("/checkout/complete?session_id=\(theirs.id)")
            #expect(landing.status == 404, "not an order of this shop")
            #expect(try await harness.store.purchase(subjectID: theirs.id) == nil, "the landing page fulfilled nothing either")
        }
    }

    @Test func withReceiptsOffTheSessionIsFulfilledWithoutOurReceipt() async throws {
        try await ServiceHarness.run(configure: { $0.sendsReceipts = false }) { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let paid = try await harness.session([(course.id, 1)], shipping: false)
            try await harness.pay(paid)
            try await harness.waitForStatus(paid.id, .fulfilled)
            try await harness.waitForInboxDrained()
            let record = try #require(try await harness.store.purchase(subjectID: paid.id))
            guard case .accessGranted = record.lines.first?.outcome else {
                Issue.record("access is still granted (the landing page shows the link): \(record.lines)")
                return
            }
            #expect(try await harness.store.emails(dedupeKeyPrefix: nil).isEmpty, "no receipt queued")
            #expect(harness.emails.sent.isEmpty, "Stripe's own receipt covers the payment")
        }
    }
}
