import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// The Sources and Charges flow end to end: the service and the emulator on loopback, webhooks signed and
/// delivered by the emulator, the customer's actions taken through the emulator's test control.
@Suite("Orders: Sources and Charges", .serialized)
struct OrderFlowTests {
    @Test func anAuthorisedRedirectSourceIsChargedOnceConfirmedAndEmailedOnce() async throws {
        try await ServiceHarness.run { harness in
            let reply = try await harness.createOrder([
                "items": [["name": "Tulip bulbs", "quantity": 2, "unit_amount": 1250]], "currency": "eur",
                "email": "sam@example.com", "payment_method": "ideal", "payment_flow": "sources", "ideal_bank": "ing",
            ])
            #expect(reply.status == 201)
            let id = try #require(reply.json["id"]?.stringValue)
            #expect(reply.json["status"]?.stringValue == "awaiting_payment")
            #expect(reply.json["next_url"]?.stringValue?.hasPrefix(harness.emulatorURL + "/sources/") == true)
            let order = try #require(try await harness.store.order(id: id))
            #expect(order.amount == 2500 && order.sourceStatus == .pending && order.chargeID == nil)

            try await harness.authorize(try #require(order.sourceID), "chargeable")
            try await harness.waitForOrder(id, .paid)
            try await harness.eventually("confirmation sent") { !harness.sentEmails("order_confirmed:\(id)").isEmpty }
            try await Task.sleep(for: .milliseconds(300))  // let any late duplicate work finish
            #expect(try await harness.charges(forOrder: id).count == 1)
            #expect(harness.sentEmails("order_confirmed:\(id)").count == 1)
            let paid = try #require(try await harness.store.order(id: id))
            #expect(paid.chargeStatus == .succeeded && paid.paidAt != nil)
            let status = try await harness.get("/api/orders/\(id)")
            #expect(status.json["state"]?.stringValue == "confirmed" && status.json["final"]?.boolValue == true)
        }
    }

    @Test func aRefusedSourceCancelsTheOrderAndTellsTheCustomer() async throws {
        try await ServiceHarness.run { harness in
            let (id, sourceID) = try await harness.order("bancontact")
            try await harness.authorize(sourceID, "failed")
            try await harness.waitForOrder(id, .canceled)
            try await harness.eventually("failure email") { !harness.sentEmails("order_failed:\(id)").isEmpty }
            let email = try #require(harness.sentEmails("order_failed:\(id)").first)
            #expect(email.email.recipient == "sam@example.com")
            #expect(email.email.body.contains("http://shop.test"))  // the way back
            #expect(try await harness.charges(forOrder: id).isEmpty)
        }
    }

    @Test func aSourceAbandonedUntilItExpiresCancelsTheOrder() async throws {
        try await ServiceHarness.run { harness in
            let (id, _) = try await harness.order("ideal")
            try await harness.advanceEmulatorClock(seconds: 7 * 3600)
            try await harness.waitForOrder(id, .canceled)
            let order = try #require(try await harness.store.order(id: id))
            #expect(order.sourceStatus == .canceled)
            #expect(order.failureReason?.contains("not completed in time") == true)
            #expect(try await harness.charges(forOrder: id).isEmpty)
        }
    }

    @Test func aChargeThatSettlesLaterIsPendingThenConfirmed() async throws {
        try await ServiceHarness.run { harness in
            let (id, sourceID) = try await harness.order("sofort")
            try await harness.authorize(sourceID, "chargeable")
            try await harness.waitForOrder(id, .chargePending)
            #expect(try await harness.get("/api/orders/\(id)").json["state"]?.stringValue == "charge_pending")
            #expect(harness.sentEmails("order_confirmed:\(id)").isEmpty)
            try await harness.advanceEmulatorClock(seconds: 4 * 24 * 3600)
            try await harness.waitForOrder(id, .paid)
            try await harness.eventually("confirmation sent") { harness.sentEmails("order_confirmed:\(id)").count == 1 }
            #expect(try await harness.charges(forOrder: id).count == 1)
        }
    }

    @Test func aChargeThatFailsCancelsTheOrderAndTellsTheCustomer() async throws {
        try await ServiceHarness.run { harness in
            // Stripe's failing test IBAN: the source is chargeable at once, the debit fails days later.
            let (id, _) = try await harness.order("sepa_debit", extra: ["iban": "DE62370400440532013001"])
            try await harness.waitForOrder(id, .chargePending)
            try await harness.advanceEmulatorClock(seconds: 4 * 24 * 3600)
            try await harness.waitForOrder(id, .canceled)
            try await harness.eventually("failure email") { harness.sentEmails("order_failed:\(id)").count == 1 }
            let order = try #require(try await harness.store.order(id: id))
            #expect(order.chargeStatus == .failed && order.failureReason?.contains("charge failed") == true)
            #expect(try await harness.charges(forOrder: id).count == 1)
        }
    }

    @Test func aCardIsChargedAtOnceAndADeclineFailsTheOrderAtOnce() async throws {
        try await ServiceHarness.run { harness in
            let good = try await harness.createOrder([
                "amount": 1999, "currency": "usd", "email": "kim@example.com", "payment_method": "card", "payment_flow": "sources", "card_token": "tok_visa",
            ])
            #expect(good.status == 201)
            #expect(good.json["status"]?.stringValue == "paid")  // the synchronous charge decided; no webhook waited for
            let goodID = try #require(good.json["id"]?.stringValue)
            #expect(good.json["next_url"]?.stringValue == "http://shop.test/orders/\(goodID)")

            let declined = try await harness.createOrder([
                "amount": 1999, "currency": "usd", "email": "kim@example.com", "payment_method": "card", "payment_flow": "sources",
                "card_token": "tok_chargeDeclined",
            ])
            #expect(declined.status == 201)
            #expect(declined.json["status"]?.stringValue == "canceled")
            #expect(declined.json["failure_reason"]?.stringValue?.contains("declined") == true)
            let declinedID = try #require(declined.json["id"]?.stringValue)
            // The webhooks that follow agree, idempotently.
            try await harness.waitForInboxDrained()
            #expect(try await harness.store.order(id: goodID)?.status == .paid)
            #expect(try await harness.store.order(id: declinedID)?.status == .canceled)
            #expect(try await harness.charges(forOrder: goodID).count == 1)
            #expect(try await harness.charges(forOrder: declinedID).count == 1)
        }
    }

    @Test func aReusableSourceIsAttachedToACustomerBeforeItIsCharged() async throws {
        try await ServiceHarness.run { harness in
            let reply = try await harness.createOrder([
                "amount": 4000, "currency": "usd", "email": "kim@example.com", "payment_method": "card", "payment_flow": "sources", "card_token": "tok_visa",
                "usage": "reusable",
            ])
            #expect(reply.json["status"]?.stringValue == "paid")
            let id = try #require(reply.json["id"]?.stringValue)
            let order = try #require(try await harness.store.order(id: id))
            let customerID = try #require(order.customerID)
            let charge = try #require(try await harness.charges(forOrder: id).first)
            #expect(charge["customer"]?.stringValue == customerID)
            #expect(try await harness.stripe.retrieveSource(try #require(order.sourceID)).customer == customerID)
        }
    }

    @Test func duplicatedAndShuffledDeliveriesGiveTheSameOutcomesAndOneChargePerOrder() async throws {
        try await ServiceHarness.run { harness in
            try await harness.control("/faults", ["duplicate": 3, "shuffle_window": 8, "shuffle_hold_ms": 400])
            let confirmed = try await harness.order("ideal")
            let refused = try await harness.order("ideal")
            let settled = try await harness.order("sofort")
            let failed = try await harness.order("sofort")
            try await harness.authorize(confirmed.sourceID, "chargeable")
            try await harness.authorize(refused.sourceID, "failed")
            try await harness.authorize(settled.sourceID, "chargeable")
            try await harness.authorize(failed.sourceID, "chargeable", chargeOutcome: "failed")
            try await harness.waitForOrder(settled.id, .chargePending)
            try await harness.waitForOrder(failed.id, .chargePending)
            // The clock may only jump once every chargeable source has been charged: a chargeable source left
            // uncharged for days is canceled by Stripe, and its order rightly with it. (The shuffle can hold
            // the confirmed order's source.chargeable back longer than the others'.)
            try await harness.eventually("order \(confirmed.id) charged") {
                [.chargePending, .paid].contains(try await harness.store.order(id: confirmed.id)?.status)
            }
            try await harness.advanceEmulatorClock(seconds: 4 * 24 * 3600)
            try await harness.waitForOrder(confirmed.id, .paid)
            try await harness.waitForOrder(refused.id, .canceled)
            try await harness.waitForOrder(settled.id, .paid)
            try await harness.waitForOrder(failed.id, .canceled)
            try await harness.waitForInboxDrained(timeout: .seconds(30))
            for order in [confirmed, settled, failed] {
                #expect(try await harness.charges(forOrder: order.id).count == 1)
            }
            #expect(try await harness.charges(forOrder: refused.id).isEmpty)
            #expect(harness.sentEmails("order_confirmed:\(confirmed.id)").count <= 1)
            try await harness.eventually("one email per outcome") {
                harness.sentEmails("order_confirmed:\(confirmed.id)").count == 1
                    && harness.sentEmails("order_confirmed:\(settled.id)").count == 1
                    && harness.sentEmails("order_failed:\(refused.id)").count == 1
                    && harness.sentEmails("order_failed:\(failed.id)").count == 1
            }
            // Late and repeated events never moved an order backwards, so nothing contradicted a final state.
            for order in [confirmed, refused, settled, failed] {
                #expect(try await harness.store.orderAnomalies(orderID: order.id).isEmpty)
            }
        }
    }

    @Test func twentyConcurrentStatusPollsRacingTheWebhookMakeOneCharge() async throws {
        try await ServiceHarness.run(configure: { $0.sourceCheckInterval = .zero }) { harness in
            // A little API latency keeps the racing charge requests in flight together.
            try await harness.control("/faults", ["api_latency_ms": 20])
            let (id, sourceID) = try await harness.order("ideal")
            try await harness.authorize(sourceID, "chargeable")
            let states = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await harness.get("/api/orders/\(id)").json["status"]?.stringValue ?? "?" }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(states.count == 20)
            #expect(states.allSatisfy { ["awaiting_payment", "paid"].contains($0) })
            try await harness.waitForOrder(id, .paid)
            try await harness.waitForInboxDrained()
            #expect(try await harness.charges(forOrder: id).count == 1)
            try await harness.eventually("one confirmation") { harness.sentEmails("order_confirmed:\(id)").count == 1 }
        }
    }

    @Test func aChargeSucceededBeforeItsSourceChargeableStillConfirms() async throws {
        try await ServiceHarness.run { harness in
            let (id, sourceID) = try await harness.order("ideal")
            // Nothing reaches the service: the events below are posted by hand, in the wrong order.
            try await harness.control("/faults", ["drop_rate": "1"])
            try await harness.authorize(sourceID, "chargeable")
            // Another worker charged first (same idempotency key, same parameters as the service uses).
            let charge = try await harness.stripe.createCharge(
                [
                    "amount": 2500, "currency": "eur", "source": .string(sourceID), "description": .string("Order \(id)"),
                    "metadata": ["order_id": .string(id)],
                ], idempotencyKey: id)
            #expect(try await harness.postWebhook(Self.event("evt_early_charge", "charge.succeeded", objectID: charge.id)).status == 200)
            try await harness.waitForOrder(id, .paid)
            #expect(try await harness.postWebhook(Self.event("evt_late_source", "source.chargeable", objectID: sourceID)).status == 200)
            #expect(try await harness.postWebhook(Self.event("evt_late_pending", "charge.pending", objectID: charge.id)).status == 200)
            try await harness.waitForInboxDrained()
            let order = try #require(try await harness.store.order(id: id))
            #expect(order.status == .paid && order.chargeID == charge.id && order.chargeStatus == .succeeded)
            #expect(try await harness.charges(forOrder: id).count == 1)
            #expect(try await harness.store.event(id: "evt_late_source")?.status == .processed)
        }
    }

    @Test func anEventForAnUnknownOrderIsRetriedThenParkedAsAnOrphan() async throws {
        try await ServiceHarness.run { harness in
            // A source some other integration on the same Stripe account made.
            let source = try await harness.stripe.createSource([
                "type": "ideal", "amount": 500, "currency": "eur", "redirect": ["return_url": "https://elsewhere.test/"],
            ])
            #expect(try await harness.postWebhook(Self.event("evt_orphan", "source.chargeable", objectID: source.id)).status == 200)
            try await harness.eventually("parked as orphan", timeout: .seconds(30)) {
                try await harness.store.event(id: "evt_orphan")?.status == .orphaned
            }
            let event = try #require(try await harness.store.event(id: "evt_orphan"))
            #expect(event.attempts > 1)  // retried before being parked
            #expect(event.lastError?.contains("no order for source \(source.id)") == true)
            #expect(try await harness.store.listEvents(status: .orphaned, limit: 10).map(\.id) == ["evt_orphan"])
        }
    }

    @Test func badOrderRequestsAndUnknownOrdersGetClearAnswers() async throws {
        try await ServiceHarness.run { harness in
            let unknownMethod = try await harness.createOrder(["amount": 100, "currency": "eur", "email": "a@b.co", "payment_method": "bitcoin"])
            #expect(unknownMethod.status == 400)
            #expect(unknownMethod.json["error"]?.stringValue?.contains("payment_method") == true)
            let badEmail = try await harness.createOrder(["amount": 100, "currency": "eur", "email": "a@b\r\nBcc: x@y.z", "payment_method": "ideal"])
            #expect(badEmail.status == 400)
            let malformed = try await harness.post("/api/orders", body: "{not json", headers: [("Content-Type", "application/json")])
            #expect(malformed.status == 400)
            let badIBAN = try await harness.createOrder(["amount": 100, "currency": "eur", "email": "a@b.co", "payment_method": "sepa_debit", "payment_flow": "sources", "iban": "nope"])
            #expect(badIBAN.status == 400)
            #expect(badIBAN.json["error"]?.stringValue?.contains("IBAN") == true)

            #expect(try await harness.get("/api/orders/ord_000000000000000000000000").status == 404)
            #expect(try await harness.get("/api/orders/../../etc").status == 404)
            let page = try await harness.get("/orders/ord_<script>")
            #expect(page.status == 404 && !page.text.contains("<script>"))
        }
    }

    @Test func theConfirmationPageShowsTheOrderAndPollsItsStatus() async throws {
        try await ServiceHarness.run { harness in
            let (id, _) = try await harness.order("ideal", extra: ["name": "<b>Sam</b>"])
            let page = try await harness.get("/orders/\(id)")
            #expect(page.status == 200)
            #expect(page.text.contains("Order received") && page.text.contains("awaiting confirmation of your payment"))
            #expect(page.text.contains("Tulip bulbs") && page.text.contains(#"data-order="\#(id)""#))
            #expect(page.text.contains(#"<script src="/assets/order.js" defer></script>"#), "the poller, as a file (no inline script)")
            #expect(!page.text.contains("<b>Sam</b>"))
        }
    }

    static func event(_ id: String, _ type: String, objectID: String) -> String {
        JSONValue.object([
            "id": .string(id), "object": "event", "type": .string(type), "created": .int(Int(Date().timeIntervalSince1970)),
            "livemode": false, "pending_webhooks": 1, "data": ["object": ["id": .string(objectID)]],
        ]).serialized()
    }
}
