import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// Thin events (Stripe's recommendation for new integrations) at the same intake: verified and stored by id
/// before 200, deduplicated, and acted on exactly as their snapshot events (the handler fetches the object).
@Suite struct ThinEventTests {
    func thin(_ id: String, _ type: String, related: (id: String, type: String)?) -> String {
        let object = related.map { #"{"id":"\#($0.id)","type":"\#($0.type)","url":"/v1/x/\#($0.id)"}"# } ?? "null"
        return #"{"id":"\#(id)","object":"v2.core.event","type":"\#(type)","created":"2026-10-01T12:00:00.000Z","related_object":\#(object),"context":null,"livemode":false}"#
    }

    @Test func aThinCompletionFulfilsOnceBesideItsSnapshotAndDuplicatesAreOneEvent() async throws {
        try await ServiceHarness.run { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            // One session paid with every snapshot delivery lost: only the thin events bring it.
            try await harness.control("/faults", ["drop_rate": "1"])
            let quiet = try await harness.session([(course.id, 1)], shipping: false)
            try await harness.pay(quiet)
            try await harness.control("/faults", ["reset": "true"])
            let body = thin("evt_thin_quiet", "v1.checkout.session.completed", related: (quiet.id, "checkout_session"))
            for _ in 0..<2 { #expect(try await harness.postWebhook(body).status == 200) }
            try await harness.waitForStatus(quiet.id, .fulfilled)
            #expect(try await harness.store.listEvents(status: nil, limit: 100).filter { $0.id == "evt_thin_quiet" }.count == 1)

            // Another paid with its snapshot events delivered, and its thin event too: one fulfilment, one receipt.
            let both = try await harness.session([(course.id, 1)], shipping: false)
            try await harness.pay(both)
            #expect(try await harness.postWebhook(thin("evt_thin_both", "v1.checkout.session.completed", related: (both.id, "checkout_session"))).status == 200)
            try await harness.waitForStatus(both.id, .fulfilled)
            try await harness.waitForInboxDrained()
            let thinEvent = try #require(try await harness.store.event(id: "evt_thin_both"))
            #expect(thinEvent.status == .processed && thinEvent.objectID == both.id && thinEvent.type == "v1.checkout.session.completed")
            try await harness.eventually("receipts") { harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix("receipt:") }.count == 2 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix("receipt:\(both.id)") }.count == 1)
            #expect(harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix("receipt:\(quiet.id)") }.count == 1)
        }
    }

    @Test func aThinRefundAPingAndAnUnknownThinTypeAreEachAnswered() async throws {
        try await ServiceHarness.run { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(course.id, 1)], shipping: false)
            try await harness.pay(session)
            try await harness.waitForStatus(session.id, .fulfilled)
            let chargeID = try await harness.chargeID(paying: session)
            try await harness.control("/faults", ["drop_rate": "1"])
            try await harness.refund(charge: chargeID)
            try await harness.control("/faults", ["reset": "true"])
            #expect(try await harness.postWebhook(thin("evt_thin_refund", "v1.charge.refunded", related: (chargeID, "charge"))).status == 200)
            try await harness.waitForAfterPayment(session.id, "refunded by a thin event") { $0.state.refundedAmount == 4900 }

            #expect(try await harness.postWebhook(thin("evt_ping", "v2.core.event_destination.ping", related: nil)).status == 200)
            #expect(try await harness.postWebhook(thin("evt_unknown", "v1.customer.created", related: ("cus_1", "customer"))).status == 200)
            try await harness.waitForInboxDrained()
            #expect(try await harness.store.event(id: "evt_ping")?.status == .processed)
            #expect(try await harness.store.event(id: "evt_unknown")?.status == .ignored)
            // A forged thin event is refused like any other.
            let forged = try await harness.postWebhook(
                thin("evt_forged", "v1.checkout.session.completed", related: (session.id, "checkout_session")), signature: "t=1,v1=00")
            let stored = try await harness.store.event(id: "evt_forged")
            #expect(forged.status == 400 && stored == nil)
        }
    }
}
