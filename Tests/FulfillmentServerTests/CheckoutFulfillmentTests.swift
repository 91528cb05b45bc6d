import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// End to end through HTTP: the emulator completes sessions and delivers signed webhooks to the service,
/// whose worker and landing page both call fulfill-checkout.
@Suite struct CheckoutFulfillmentTests {
    @Test func metricsCountWhatHappenedUnderTheirPrometheusNames() async throws {
        try await ServiceHarness.run { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(course.id, 1)], shipping: false)
            try await harness.pay(session)
            try await harness.waitForStatus(session.id, .fulfilled)
            try await harness.waitForInboxDrained()
            try await harness.eventually("receipt") { harness.emails.sent.count == 1 }
            #expect(try await harness.postWebhook("{}", signature: "t=1,v1=00").status == 400)
            let text = try await harness.get("/metrics").text
            func value(_ line: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix(line + " ") }.flatMap { Double($0.split(separator: " ").last!) }
            }
            // The endpoint takes every type: product and price created, then the charge, the PaymentIntent, the session.
            #expect(value("fulfillment_events_received_total") == 5)
            #expect((value(#"fulfillment_events_processed_total{outcome="processed"}"#) ?? 0) >= 2)
            #expect(value(#"fulfillment_events_rejected_total{reason="signature"}"#) == 1)
            #expect(value("fulfillment_emails_sent_total") == 1)
            #expect(value("fulfillment_checkout_duration_seconds_count") == 1)
            #expect(value("fulfillment_outbox_backlog") == 0)
            // The charge, the PaymentIntent (noted: no order's) and the session.
            #expect(value(#"fulfillment_inbox_events{status="processed"}"#) == 3)
            #expect(text.contains("# HELP fulfillment_emails_sent_total Customer emails sent."))
        }
    }

    @Test func aMisspeltActionOnALiveSessionParksTheEventWithTheReasonAndFulfilsNothing() async throws {
        try await ServiceHarness.run { harness in
            let mug = try await harness.price("Mug", amount: 1200, metadata: ["fulfillment": "phsyical", "sku": "MUG"])
            let session = try await harness.session([(mug.id, 1)])
            try await harness.pay(session)
            try await harness.eventually("parked") {
                try await harness.store.listEvents(status: .dead, limit: 10).contains { $0.objectID == session.id }
            }
            let event = try #require(try await harness.store.listEvents(status: .dead, limit: 10).first { $0.objectID == session.id })
            #expect(event.attempts == 1, "no retry can fix it: parked at once")
            #expect(event.lastError?.contains("\"phsyical\" is not an action (digital, none, notify, physical, stock)") == true)
            #expect(event.lastError?.contains("product \(mug.product.id) metadata") == true, "it says where: \(event.lastError ?? "-")")
            #expect(try await harness.store.purchase(subjectID: session.id)?.status != .fulfilled, "never read as none")
            #expect(harness.emails.sent.isEmpty)
        }
    }

    @Test func theServiceDoesNotStartWithACatalogThatNamesNoAction() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"prod_mug": {"fulfillment": "shipp"}}"#.utf8).write(to: file)
        var configuration = ServiceHarness.configuration(emulatorURL: "http://127.0.0.1:9", databasePath: ":memory:", clock: TestClock())
        configuration.database = .memory
        configuration.catalogPath = file.path
        await #expect {
            _ = try await FulfillmentService(configuration: configuration, logger: ServiceHarness.logger())
        } throws: { error in
            "\(error)".contains("\"prod_mug\"") && "\(error)".contains("\"shipp\" is not an action") && "\(error)".contains(file.path)
        }
    }

    @Test func aCheckoutPaymentsChargeAndPaymentIntentEventsAreNotedNotOrphaned() async throws {
        try await ServiceHarness.run { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(course.id, 1)], shipping: false)
            try await harness.pay(session)
            try await harness.waitForStatus(session.id, .fulfilled)
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            let intent = try #require(try await harness.stripe.retrieveCheckoutSession(session.id).paymentIntent)
            let processed = try await harness.store.listEvents(status: .processed, limit: 20)
            let charge = try #require(processed.first { $0.type == "charge.succeeded" })
            #expect(charge.lastError == "charge of \(intent) (a Checkout payment): nothing for orders")
            let intentEvent = try #require(processed.first { $0.type == "payment_intent.succeeded" })
            #expect(intentEvent.lastError == "PaymentIntent \(intent) is no order's (a Checkout payment): nothing for orders")
            #expect(try await harness.store.listEvents(status: .orphaned, limit: 20).isEmpty)
            #expect(try await harness.store.listEvents(status: .dead, limit: 20).isEmpty)
        }
    }

    @Test func fulfilsAPaidSessionOnceWithEveryLineItemAction() async throws {
        try await ServiceHarness.run { harness in
            try await harness.store.setStock(sku: "MUG", quantity: 10)
            let course = try await harness.price("Swift course", amount: 4900, metadata: ["fulfillment": "digital"])
            let mug = try await harness.price("Mug", amount: 1200, metadata: ["fulfillment": "physical", "sku": "MUG"])
            let donation = try await harness.price("Tip", amount: 300, metadata: [:])
            let session = try await harness.session([(course.id, 1), (mug.id, 2), (donation.id, 1)])
            try await harness.pay(session)
            try await harness.waitForStatus(session.id, .fulfilled)
            let record = try #require(try await harness.store.purchase(subjectID: session.id))
            #expect(record.lines.map(\.action.name) == ["digital", "physical", "none"])
            #expect(record.lines[1].outcome.backordered == 0)
            #expect(record.shipping?.address?.city == "Berlin")
            #expect(record.amountTotal == 4900 + 2400 + 300)
            #expect(try await harness.store.stockLevel(sku: "MUG") == 8)
            try await harness.eventually("receipt sent") { harness.emails.sent.count == 1 }
            let receipt = harness.emails.sent[0]
            #expect(receipt.email.dedupeKey == "receipt:\(session.id)")
            #expect(receipt.email.recipient == "jenny@example.com")
            #expect(receipt.email.body.contains("Swift course") && receipt.email.body.contains("http://shop.test/access/"))
            let page = try await harness.get("/checkout/complete?session_id=\(session.id)")
            #expect(page.status == 200)
            #expect(page.text.contains("Thank you! Your order is complete."))
            #expect(page.text.contains("Open your access") && page.text.contains("2 shipping") && page.text.contains("Friedrichstraße 123"))
            let buyer = try #require(page.cookie, "the first visit after the redirect is the buyer's")
            let api = try await harness.get("/api/checkout/sessions/\(session.id)", headers: [("Cookie", buyer)])
            #expect(api.json["status"] == "fulfilled")
            #expect(api.json["line_items"]?.arrayValue?.map { $0["outcome"]?.stringValue } == ["access_granted", "shipped", "recorded"])
            let accessURL = try #require(api.json["line_items"]?.arrayValue?[0]["access_url"]?.stringValue)
            let access = try await harness.get(String(accessURL.dropFirst("http://shop.test".count)))
            #expect(access.status == 200 && access.text.contains("Swift course"))
            try await Task.sleep(for: .milliseconds(300))
            #expect(harness.emails.sent.count == 1, "one receipt, whoever fulfilled")
            try await harness.waitForInboxDrained()
            let processed = try await harness.store.listEvents(status: .processed, limit: 100)
            #expect(processed.contains { $0.type == "checkout.session.completed" && $0.objectID == session.id })
        }
    }

    @Test func duplicatedAndShuffledDeliveriesStillFulfilOnce() async throws {
        try await ServiceHarness.run { harness in
            try await harness.control("/faults", ["duplicate": 3, "shuffle_window": 6, "shuffle_hold_ms": 500])
            try await harness.store.setStock(sku: "MUG", quantity: 100)
            let mug = try await harness.price("Mug", amount: 1200, metadata: ["fulfillment": "physical", "sku": "MUG"])
            var sessions: [CheckoutSession] = []
            for index in 0..<6 {
                let session = try await harness.session([(mug.id, index + 1)])
                try await harness.pay(session)
                sessions.append(session)
            }
            for session in sessions { try await harness.waitForStatus(session.id, .fulfilled) }
            try await harness.eventually("six receipts") { harness.emails.sent.count == 6 }
            try await harness.control("/webhooks/drain")
            try await Task.sleep(for: .milliseconds(300))
            #expect(harness.emails.sent.count == 6)
            #expect(Set(harness.emails.sent.map(\.email.dedupeKey)).count == 6)
            #expect(try await harness.store.stockLevel(sku: "MUG") == 100 - (1 + 2 + 3 + 4 + 5 + 6), "stock taken once per session")
            let deliveries = try await harness.get("/_emulator/deliveries", base: harness.emulatorURL)
            let completed = deliveries.json["data"]?.arrayValue?.filter { $0["event_type"] == "checkout.session.completed" } ?? []
            #expect(completed.count == 6)
            let stored = try await harness.store.listEvents(status: nil, limit: 1000).filter { $0.type == "checkout.session.completed" }
            #expect(stored.count == 6, "each event stored once though delivered three times")
        }
    }

    @Test func fiftyLandingPagesRacingTheWebhookFulfilOnce() async throws {
        try await ServiceHarness.run { harness in
            try await harness.store.setStock(sku: "SEAT", quantity: 60)
            let seat = try await harness.price("Seat", amount: 2500, metadata: ["fulfillment": "stock", "sku": "SEAT"])
            let session = try await harness.session([(seat.id, 2)], shipping: false)
            try await harness.pay(session)
            let replies = try await withThrowingTaskGroup(of: ServiceHarness.Reply.self) { group in
                for _ in 0..<50 { group.addTask { try await harness.get("/checkout/complete?session_id=\(session.id)") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.count == 50)
            #expect(replies.allSatisfy { $0.status == 200 && $0.text.contains("Your order is complete") })
            try await harness.control("/webhooks/drain")
            try await harness.eventually("receipt") { harness.emails.sent.count == 1 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(harness.emails.sent.count == 1)
            #expect(try await harness.store.stockLevel(sku: "SEAT") == 58)
            #expect(try await harness.store.purchase(subjectID: session.id)?.lines.count == 1)
        }
    }

    @Test func aDelayedPaymentWaitsThenFulfilsWhenItSettles() async throws {
        try await ServiceHarness.run { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(course.id, 1)], shipping: false)
            try await harness.pay(session, outcome: "delayed_success")
            try await harness.waitForStatus(session.id, .awaitingPayment)
            let waiting = try await harness.get("/checkout/complete?session_id=\(session.id)")
            #expect(waiting.text.contains("Payment processing") && waiting.text.contains("We will email you"))
            #expect(try await harness.get("/api/checkout/sessions/\(session.id)").json["status"] == "awaiting_payment")
            #expect(harness.emails.sent.isEmpty)
            try await harness.control("/clock/advance", ["seconds": .int(3 * 24 * 3600 + 1)])
            try await harness.waitForStatus(session.id, .fulfilled)
            try await harness.eventually("receipt") { harness.emails.sent.count == 1 }
            // The ledger commits before its event is marked processed: wait for the inbox, not the ledger.
            try await harness.waitForInboxDrained()
            let events = try await harness.store.listEvents(status: .processed, limit: 100).map(\.type)
            #expect(events.contains("checkout.session.async_payment_succeeded"))
        }
    }

    @Test func aFailedDelayedPaymentTellsTheCustomer() async throws {
        try await ServiceHarness.run { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(course.id, 1)], email: "late@example.com", shipping: false)
            try await harness.pay(session, outcome: "delayed_failure")
            try await harness.waitForStatus(session.id, .awaitingPayment)
            try await harness.control("/clock/advance", ["seconds": .int(3 * 24 * 3600 + 1)])
            try await harness.waitForStatus(session.id, .paymentFailed)
            try await harness.eventually("failure email") { harness.emails.sent.count == 1 }
            let email = harness.emails.sent[0].email
            #expect(email.dedupeKey == "payment_failed:\(session.id)")
            #expect(email.recipient == "late@example.com")
            let page = try await harness.get("/checkout/complete?session_id=\(session.id)")
            #expect(page.text.contains("Your payment did not go through"))
            #expect(try await harness.store.purchase(subjectID: session.id)?.lines.isEmpty == true, "nothing delivered")
        }
    }

    @Test func anExpiredSessionIsRecordedAndShown() async throws {
        try await ServiceHarness.run { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(course.id, 1)], shipping: false)
            _ = try await harness.stripe.expireCheckoutSession(session.id)
            try await harness.waitForStatus(session.id, .expired)
            let page = try await harness.get("/checkout/complete?session_id=\(session.id)")
            #expect(page.text.contains("This checkout has expired"))
            #expect(harness.emails.sent.isEmpty)
        }
    }

    @Test func aHundredLineItemsAreAllFulfilledPastTheEmbeddedPage() async throws {
        try await ServiceHarness.run { harness in
            var lines: [(price: String, quantity: Int)] = []
            for index in 0..<100 {
                lines.append((try await harness.price("Ebook \(index)", amount: 100, metadata: ["fulfillment": "digital"]).id, 1))
            }
            let session = try await harness.session(lines, shipping: false)
            try await harness.pay(session)
            try await harness.waitForStatus(session.id, .fulfilled)
            let record = try #require(try await harness.store.purchase(subjectID: session.id))
            #expect(record.lines.count == 100)
            #expect(record.lines.map(\.description) == (0..<100).map { "Ebook \($0)" })
            #expect(record.lines.allSatisfy { if case .accessGranted = $0.outcome { true } else { false } })
        }
    }

    @Test func exhaustedStockIsBackorderedAndReported() async throws {
        try await ServiceHarness.run { harness in
            try await harness.store.setStock(sku: "MUG", quantity: 2)
            let mug = try await harness.price("Mug", amount: 1200, metadata: ["fulfillment": "physical", "sku": "MUG"])
            let session = try await harness.session([(mug.id, 3)])
            try await harness.pay(session)
            try await harness.waitForStatus(session.id, .fulfilled)
            let line = try #require(try await harness.store.purchase(subjectID: session.id)?.lines.first)
            guard case .shipped(_, let shipped, let backordered) = line.outcome else {
                Issue.record("expected a shipment, got \(line.outcome)")
                return
            }
            #expect(shipped == 2 && backordered == 1)
            #expect(try await harness.store.stockLevel(sku: "MUG") == 0)
            let page = try await harness.get("/checkout/complete?session_id=\(session.id)")
            #expect(page.text.contains("1 backordered") && page.text.contains("Some items are backordered"))
            try await harness.eventually("receipt") { harness.emails.sent.count == 1 }
            #expect(harness.emails.sent[0].email.body.contains("1 backordered"))
            #expect(try await harness.get("/api/checkout/sessions/\(session.id)").json["line_items"]?.arrayValue?.first?["backordered"] == 1)
        }
    }

    @Test func unknownAndMalformedSessionIdsAreA404ThatRevealsNothing() async throws {
        try await ServiceHarness.run { harness in
            for id in ["cs_test_doesnotexist", "../../etc/passwd", "cs_test_<script>", "", "pi_123", String(repeating: "a", count: 300)] {
                let escaped = id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                let page = try await harness.get("/checkout/complete?session_id=\(escaped)")
                #expect(page.status == 404, "\(id)")
                #expect(!page.text.contains("<script>") && !page.text.contains("resource_missing") && !page.text.contains("No such"))
            }
            #expect(try await harness.get("/api/checkout/sessions/cs_test_nothere").status == 404)
        }
    }
}
