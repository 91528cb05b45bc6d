import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// Thin events from the emulator's event destination, end to end: every event type the service handles,
/// delivered twice and shuffled as thin notifications only, or beside their snapshot events (a merchant
/// moving from a webhook endpoint to an event destination runs both), acts exactly once.
@Suite("Thin events: every handled type", .serialized)
struct ThinEventDeliveryTests {
    static let faults: FormValue = ["duplicate": 2, "shuffle_window": 4, "shuffle_hold_ms": 300]

    func intentID(_ harness: ServiceHarness, _ orderID: String) async throws -> String {
        try #require(try await harness.store.order(id: orderID)?.paymentIntentID)
    }

    @Test(arguments: [HarnessDelivery.thin, .both])
    func everyHandledTypeActsOnce(delivery: HarnessDelivery) async throws {
        try await ServiceHarness.run(delivery: delivery) { harness in
            try await harness.control("/faults", Self.faults)
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            // Checkout Sessions: paid (then refunded), paid (then disputed), paid later, failed later, expired.
            let refunded = try await harness.session([(course.id, 1)], shipping: false)
            let disputed = try await harness.session([(course.id, 1)], shipping: false)
            let later = try await harness.session([(course.id, 1)], shipping: false)
            let failedLater = try await harness.session([(course.id, 1)], shipping: false)
            let expired = try await harness.session([(course.id, 1)], shipping: false)
            try await harness.pay(refunded)
            try await harness.pay(disputed)
            try await harness.pay(later, outcome: "delayed_success")
            try await harness.pay(failedLater, outcome: "delayed_failure")
            _ = try await harness.stripe.expireCheckoutSession(expired.id)
            // Sources: charged at once, refused, charged later, charge failed, never authorised (canceled).
            let confirmed = try await harness.order("ideal")
            let refused = try await harness.order("ideal")
            let settled = try await harness.order("sofort")
            let chargeFailed = try await harness.order("sofort")
            let abandoned = try await harness.order("ideal")
            try await harness.authorize(confirmed.sourceID, "chargeable")
            try await harness.authorize(refused.sourceID, "failed")
            try await harness.authorize(settled.sourceID, "chargeable")
            try await harness.authorize(chargeFailed.sourceID, "chargeable", chargeOutcome: "failed")
            // PaymentIntents: iDEAL paid, iDEAL failed, SEPA processing then paid, one canceled at Stripe.
            let intentPaid = try #require(try await harness.paymentIntentOrder("ideal").json["id"]?.stringValue)
            let intentFailed = try #require(try await harness.paymentIntentOrder("ideal").json["id"]?.stringValue)
            let sepa = try #require(
                try await harness.paymentIntentOrder("sepa_debit", extra: ["iban": "DE89370400440532013000", "mandate_accepted": true])
                    .json["id"]?.stringValue)
            let intentCanceled = try #require(try await harness.paymentIntentOrder("ideal").json["id"]?.stringValue)
            try await harness.authorizeIntent(try await intentID(harness, intentPaid), "succeed")
            try await harness.authorizeIntent(try await intentID(harness, intentFailed), "fail")
            #expect(try await harness.stripeAPI("POST", "/v1/payment_intents/\(try await intentID(harness, intentCanceled))/cancel").status == 200)

            // A subscription: started, a renewal failed, paid on its invoice, then canceled.
            var club = try await SubscriptionShop.open(harness, name: "Club")
            club.movesServiceClock = false
            let member = try await club.subscribe(customer: try await club.customer(paymentMethod: "pm_card_chargeCustomerFail"))
            try await club.waitFor(member, "granted") { $0.entitlement.access == .active }
            try await club.advance(to: try #require(try await club.stripeSubscription(member)["current_period_end"]?.intValue) + 2 * 3600)
            try await club.waitFor(member, "past due") { $0.entitlement.access == .pastDue }
            let unpaid = try #require(
                try await harness.stripeAPI("GET", "/v1/invoices", ["subscription": .string(member), "status": "open"]).json["data"]?.arrayValue?.first?["id"]?
                    .stringValue)
            #expect(try await harness.stripeAPI("POST", "/v1/invoices/\(unpaid)/pay", ["payment_method": "pm_card_visa"]).status == 200)
            try await club.waitFor(member, "paid") { $0.entitlement.access == .active && $0.entitlement.settledInvoices.contains(unpaid) }
            #expect(try await harness.stripeAPI("DELETE", "/v1/subscriptions/\(member)").status == 200)

            // After the payments: a refund, and a dispute answered with evidence and lost.
            try await harness.waitForStatus(refunded.id, .fulfilled)
            try await harness.waitForStatus(disputed.id, .fulfilled)
            try await harness.refund(charge: try await harness.chargeID(paying: refunded))
            let disputeID = try await harness.dispute(charge: try await harness.chargeID(paying: disputed))
            try await harness.waitForAfterPayment(disputed.id, "open") { $0.state.dispute == .open }
            #expect(try await harness.stripeAPI("POST", "/v1/disputes/\(disputeID)", ["evidence": ["uncategorized_text": "Delivered."]]).status == 200)
            try await harness.closeDispute(disputeID, outcome: "lost")

            // Days pass once every chargeable source is charged: settlements, and the unused source's end.
            try await harness.waitForOrder(settled.id, .chargePending)
            try await harness.waitForOrder(chargeFailed.id, .chargePending)
            try await harness.eventually("order \(confirmed.id) charged") {
                [.chargePending, .paid].contains(try await harness.store.order(id: confirmed.id)?.status)
            }
            try await harness.advanceEmulatorClock(seconds: 8 * 24 * 3600)

            try await harness.waitForStatus(later.id, .fulfilled)
            try await harness.waitForStatus(failedLater.id, .paymentFailed)
            try await harness.waitForStatus(expired.id, .expired)
            for order in [confirmed.id, settled.id, intentPaid, sepa] { try await harness.waitForOrder(order, .paid) }
            for order in [refused.id, chargeFailed.id, abandoned.id, intentCanceled] { try await harness.waitForOrder(order, .canceled) }
            try await harness.eventually("the failed attempt recorded") { try await harness.store.order(id: intentFailed)?.canPayAgain == true }
            try await harness.waitForAfterPayment(refunded.id, "refunded") { $0.state.refundedAmount == 4900 }
            try await harness.waitForAfterPayment(disputed.id, "lost") { $0.state.dispute == .lost }
            try await club.waitFor(member, "ended") { $0.entitlement.access == .ended }
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained(timeout: .seconds(30))

            // Every type the service handles came, and only as thin events when only thin events were sent.
            let stored = try await harness.store.listEvents(status: nil, limit: 1000)
            let thinTypes = Set(stored.map(\.type).filter { $0.hasPrefix("v1.") })
            let snapshotTypes = Set(stored.map(\.type).filter { !$0.hasPrefix("v1.") && !$0.hasPrefix("v2.") })
            let covered = Set(thinTypes.compactMap { EventType(rawValue: $0).snapshotType?.rawValue })
            #expect(Set(harness.service.router.types).subtracting(covered).isEmpty, "handled types with no thin event: \(Set(harness.service.router.types).subtracting(covered).sorted())")
            #expect(delivery == .thin ? snapshotTypes.isEmpty : snapshotTypes.count >= harness.service.router.types.count)
            #expect(try await harness.store.listEvents(status: .dead, limit: 10).isEmpty)
            #expect(try await harness.store.listEvents(status: .orphaned, limit: 10).isEmpty)

            // Each fact acted once: one receipt per paid session, one charge and one email per order outcome.
            try await harness.eventually("emails") {
                harness.sentEmails("payment_failed:\(failedLater.id)").count == 1
                    && [refunded, disputed, later].allSatisfy { session in
                        harness.emails.sent.contains { $0.email.dedupeKey.hasPrefix("receipt:\(session.id)") }
                    }
                    && [confirmed.id, settled.id, intentPaid, sepa].allSatisfy { !harness.sentEmails("order_confirmed:\($0)").isEmpty }
                    && [refused.id, chargeFailed.id].allSatisfy { !harness.sentEmails("order_failed:\($0)").isEmpty }
            }
            try await Task.sleep(for: .milliseconds(300))
            for session in [refunded, disputed, later] {
                #expect(harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix("receipt:\(session.id)") }.count == 1)
            }
            for order in [confirmed.id, settled.id, intentPaid, sepa] {
                #expect(harness.sentEmails("order_confirmed:\(order)").count == 1)
                #expect(try await harness.charges(forOrder: order).filter { $0["status"] == "succeeded" }.count == 1)
            }
            for order in [refused.id, chargeFailed.id] { #expect(harness.sentEmails("order_failed:\(order)").count == 1) }
            for key in ["subscription_welcome:\(member)", "subscription_payment_failed:\(unpaid)", "subscription_renewed:\(unpaid)", "subscription_ended:\(member)"] {
                #expect(harness.sentEmails(key).count == 1, "\(key)")
            }
            #expect(harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix("order_payment_failed:\(intentFailed):") }.count == 1)
            let refund = try #require(try await harness.store.afterPayment(subjectID: refunded.id))
            #expect(refund.state.refundedAmount == 4900 && refund.access == .revoked)
            for order in [confirmed.id, refused.id, settled.id, chargeFailed.id, abandoned.id, intentPaid, intentFailed, sepa, intentCanceled] {
                #expect(try await harness.store.orderAnomalies(orderID: order).isEmpty)
            }
        }
    }

    @Test func anEventGenerationFailureResolvedReconcilesWhatItsMissingEventsWouldHaveTold() async throws {
        try await ServiceHarness.run(delivery: .thin) { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            // While Stripe makes no events, a session is paid and an order's PaymentIntent succeeds: no event
            // will ever say so.
            let id = try #require(try await harness.paymentIntentOrder("ideal").json["id"]?.stringValue)
            try await harness.control("/event_generation_failure", ["failing": "true"])
            let session = try await harness.session([(course.id, 1)], shipping: false)
            try await harness.pay(session)
            try await harness.authorizeIntent(try await intentID(harness, id), "succeed")
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await harness.store.purchase(subjectID: session.id) == nil)
            #expect(try await harness.store.order(id: id)?.status == .awaitingPayment)

            let resolved = try await harness.control("/event_generation_failure", ["failing": "false"])
            let eventID = try #require(resolved.json["resolved_event"]?.stringValue)
            try await harness.waitForStatus(session.id, .fulfilled)
            try await harness.waitForOrder(id, .paid)
            try await harness.waitForInboxDrained()
            let handled = try #require(try await harness.store.event(id: eventID))
            #expect(handled.status == .processed && handled.type == "v2.core.health.event_generation_failure.resolved")
            #expect(handled.lastError?.contains("reconciled after Stripe's event generation failure") == true)
            #expect(try await harness.store.reconcilerState().lastSummary?.contains("fulfilled 1 of") == true)
        }
    }
}
