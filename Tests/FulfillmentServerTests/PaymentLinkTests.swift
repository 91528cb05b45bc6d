import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// Sessions the merchant's code did not create, end to end with every delivery twice and shuffled: a Payment
/// Link's (no client_reference_id; custom fields and consent reach the notification and the timeline), a
/// 100 %-off session (`no_payment_required`, no PaymentIntent) and a recovered session (the expired one it
/// replaced is told to the merchant as recovered), each fulfilled once.
@Suite("Payment Links, free and recovered sessions")
struct PaymentLinkTests {
    static let faults: FormValue = ["duplicate": 2, "shuffle_window": 3, "shuffle_hold_ms": 200]
    static let token = "at_console_api_token_0123"

    func notifications(_ harness: ServiceHarness, _ type: String) -> [WebhookReceiver.Delivery] {
        (harness.merchant?.deliveries ?? []).filter { $0.eventType == type }
    }

    func receipts(_ harness: ServiceHarness, _ id: String) -> Int {
        harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix("receipt:\(id)") }.count
    }

    @Test func aPaymentLinksSessionIsFulfilledOnceWithItsCustomFieldsAndConsent() async throws {
        try await ServiceHarness.run(merchantEndpoint: true, configure: { $0.adminToken = Self.token }) { harness in
            try await harness.control("/faults", Self.faults)
            let poster = try await harness.price("Poster", amount: 1800, metadata: ["fulfillment": "digital"])
            let link = try await harness.stripeAPI("POST", "/v1/payment_links", [
                "line_items": [["price": .string(poster.id), "quantity": 1]],
                "custom_fields": [
                    ["key": "dedication", "label": ["type": "custom", "custom": "Dedication"], "type": "text"],
                    ["key": "size", "label": ["type": "custom", "custom": "Size"], "type": "dropdown",
                     "dropdown": ["options": [["label": "A3", "value": "A3"], ["label": "A2", "value": "A2"]]]],
                ],
                "consent_collection": ["terms_of_service": "required"],
            ])
            let linkID = try #require(link.json["id"]?.stringValue)
            #expect(link.json["url"]?.stringValue?.hasSuffix("/b/\(linkID)") == true)
            let opened = try await harness.control("/payment_links/\(linkID)/sessions")
            let sessionID = try #require(opened.json["id"]?.stringValue)
            #expect(opened.json["payment_link"]?.stringValue == linkID && opened.json["client_reference_id"] == .null)
            // The terms must be accepted and the dropdown answered from its options.
            let refused = try await harness.control("/checkout/sessions/\(sessionID)/complete", ["outcome": "paid", "custom_fields": ["size": "A3"]])
            #expect(refused.status == 400)
            let paid = try await harness.control("/checkout/sessions/\(sessionID)/complete", [
                "outcome": "paid", "custom_fields": ["dedication": "For Ada", "size": "A2"], "consent": ["terms_of_service": "accepted"],
            ])
            #expect(paid.status == 200)
            try await harness.waitForStatus(sessionID, .fulfilled)
            try await harness.eventually("notified") { !notifications(harness, "checkout.fulfilled").isEmpty && receipts(harness, sessionID) == 1 }
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            try await Task.sleep(for: .milliseconds(300))
            #expect(receipts(harness, sessionID) == 1)
            let fulfilled = try #require(notifications(harness, "checkout.fulfilled").first?.event["data"]?["object"])
            #expect(fulfilled["payment_link"]?.stringValue == linkID)
            let fields = fulfilled["custom_fields"]?.arrayValue ?? []
            #expect(fields.map { $0["key"]?.stringValue ?? "" } == ["dedication", "size"])
            #expect(fields.map { $0["value"]?.stringValue ?? "" } == ["For Ada", "A2"])
            #expect(fulfilled["consent"]?["terms_of_service"]?.stringValue == "accepted")
            let timeline = try await harness.get("/admin/api/timeline/\(sessionID)", headers: [("Authorization", "Bearer \(Self.token)")])
            let details = timeline.json["entries"]?.arrayValue?.first { $0["kind"]?.stringValue == "checkout" }?["outcome"]?.stringValue ?? ""
            #expect(details.contains("Payment Link \(linkID)") && details.contains("Dedication: For Ada") && details.contains("terms of service accepted"))
        }
    }

    @Test func fulfilWhenCanTakeOnlyPaymentLinksSessions() async throws {
        try await ServiceHarness.run(configure: { $0.sessionFilter = try! SessionFilter(parsing: "payment_link") }) { harness in
            let poster = try await harness.price("Poster", amount: 1800, metadata: ["fulfillment": "digital"])
            let link = try await harness.stripeAPI("POST", "/v1/payment_links", ["line_items": [["price": .string(poster.id), "quantity": 1]]])
            let fromLink = try #require(try await harness.control("/payment_links/\(link.json["id"]?.stringValue ?? "")/sessions").json["id"]?.stringValue)
            let direct = try await harness.session([(poster.id, 1)], shipping: false)
            try await harness.control("/checkout/sessions/\(fromLink)/complete", ["outcome": "paid"])
            try await harness.pay(direct)
            try await harness.waitForStatus(fromLink, .fulfilled)
            try await harness.waitForInboxDrained()
            #expect(try await harness.store.purchase(subjectID: direct.id) == nil)
            let ignored = try await harness.store.listEvents(status: .ignored, limit: 50).filter { $0.objectID == direct.id }
            #expect(ignored.contains { $0.lastError?.contains("Payment Link") == true })
        }
    }

    @Test func aHundredPercentOffSessionNeedsNoPaymentAndIsFulfilledOnce() async throws {
        try await ServiceHarness.run(merchantEndpoint: true) { harness in
            try await harness.control("/faults", Self.faults)
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let coupon = try await harness.stripeAPI("POST", "/v1/coupons", ["percent_off": "100", "duration": "once"])
            let code = try await harness.stripeAPI("POST", "/v1/promotion_codes", ["coupon": .string(coupon.json["id"]?.stringValue ?? ""), "code": "FREECOURSE"])
            #expect(code.status == 200)
            let session = try await harness.stripe.createCheckoutSession([
                "mode": "payment", "allow_promotion_codes": "true", "customer_email": "free@example.com",
                "success_url": .string("\(harness.serviceURL)/checkout/complete?session_id={CHECKOUT_SESSION_ID}"),
                "line_items": [["price": .string(course.id), "quantity": 1]],
            ])
            #expect(try await harness.control("/checkout/sessions/\(session.id)/complete", ["outcome": "paid", "promotion_code": "NOTACODE"]).status == 400)
            try await harness.control("/checkout/sessions/\(session.id)/complete", ["outcome": "paid", "promotion_code": "FREECOURSE"])
            let atStripe = try await harness.stripe.retrieveCheckoutSession(session.id)
            #expect(atStripe.paymentStatus == .noPaymentRequired && atStripe.paymentIntent == nil && atStripe.amountTotal == 0)
            try await harness.waitForStatus(session.id, .fulfilled)
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            try await harness.eventually("receipt") { receipts(harness, session.id) == 1 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(receipts(harness, session.id) == 1)
            let purchase = try #require(try await harness.store.purchase(subjectID: session.id))
            #expect(purchase.amountTotal == 0 && purchase.lines.count == 1)
            #expect(notifications(harness, "checkout.fulfilled").count == 1)
        }
    }

    @Test func aRecoveredSessionIsFulfilledOnceAndItsExpiredOneIsToldAsRecovered() async throws {
        try await ServiceHarness.run(merchantEndpoint: true) { harness in
            try await harness.control("/faults", Self.faults)
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let first = try await harness.stripe.createCheckoutSession([
                "mode": "payment", "customer_email": "back@example.com", "client_reference_id": "cart_42",
                "after_expiration": ["recovery": ["enabled": "true"]],
                "success_url": .string("\(harness.serviceURL)/checkout/complete?session_id={CHECKOUT_SESSION_ID}"),
                "line_items": [["price": .string(course.id), "quantity": 1]],
            ])
            _ = try await harness.stripe.expireCheckoutSession(first.id)
            try await harness.waitForStatus(first.id, .expired)
            try await harness.eventually("expiry told") { !notifications(harness, "checkout.expired").isEmpty }
            let expired = try #require(notifications(harness, "checkout.expired").first?.event["data"]?["object"])
            #expect(expired["recovery_url"]?.stringValue?.contains("/c/recover/\(first.id)") == true, "recoverable: not a lost sale yet")

            let recovered = try await harness.control("/checkout/sessions/\(first.id)/recover")
            let second = try #require(recovered.json["id"]?.stringValue)
            #expect(second != first.id && recovered.json["recovered_from"]?.stringValue == first.id)
            #expect(recovered.json["client_reference_id"]?.stringValue == "cart_42")
            try await harness.control("/checkout/sessions/\(second)/complete", ["outcome": "paid"])
            try await harness.waitForStatus(second, .fulfilled)
            try await harness.eventually("recovery told") { !notifications(harness, "checkout.recovered").isEmpty && receipts(harness, second) == 1 }
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            try await Task.sleep(for: .milliseconds(300))
            #expect(receipts(harness, second) == 1 && receipts(harness, first.id) == 0)
            let told = try #require(notifications(harness, "checkout.recovered").first)
            #expect(told.event["data"]?["object"]?["id"]?.stringValue == first.id)
            #expect(told.event["data"]?["object"]?["recovered_by"]?.stringValue == second)
            #expect(Set(notifications(harness, "checkout.recovered").map(\.eventID)).count == 1)
            let fulfilled = try #require(notifications(harness, "checkout.fulfilled").first?.event["data"]?["object"])
            #expect(fulfilled["recovered_from"]?.stringValue == first.id)
            // A recovered session cannot be recovered again, nor an open one at all.
            #expect(try await harness.control("/checkout/sessions/\(second)/recover").status == 400)
        }
    }
}
