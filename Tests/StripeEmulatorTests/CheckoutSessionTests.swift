import Foundation
import StripeAPI
import TestSupport
import Testing

@Suite struct CheckoutSessionTests {
    @Test func createsASessionWithPricesAndInlinePriceData() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let price = try await harness.createPrice(name: "Course", amount: 1500)
            let session = try await harness.client.createCheckoutSession([
                "mode": "payment", "success_url": "https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}",
                "cancel_url": "https://shop.example/cart", "customer_email": "jenny@example.com",
                "client_reference_id": "cart-7", "metadata": ["order": "7"], "payment_method_types": ["card", "sepa_debit"],
                "line_items": [
                    ["price": .string(price.id), "quantity": 2],
                    ["price_data": ["currency": "eur", "unit_amount": 300, "product_data": ["name": "Sticker"]], "quantity": 1],
                ],
            ])
            #expect(session.id.hasPrefix("cs_test_"))
            #expect(session.status == .open)
            #expect(session.paymentStatus == .unpaid)
            #expect(session.amountTotal == 3300)
            #expect(session.currency == "eur")
            #expect(session.url == "\(harness.baseURL)/c/pay/\(session.id)")
            #expect(session.successURL == "https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}")
            #expect(session.metadata == ["order": "7"])
            #expect(session.clientReferenceID == "cart-7")
            #expect(session.lineItems == nil, "line_items only when expanded")
            #expect(session.expiresAt - session.created == 24 * 3600)
        }
    }

    @Test func acceptsTheBracketlessArrayFormForLineItems() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let first = try await harness.createPrice(name: "A", amount: 100)
            let second = try await harness.createPrice(name: "B", amount: 200)
            let body = "mode=payment&success_url=https%3A%2F%2Fx.example%2Fok&line_items[][price]=\(first.id)"
                + "&line_items[][quantity]=3&line_items[][price]=\(second.id)&line_items[][quantity]=1"
            let response = try await harness.raw(.post, "/v1/checkout/sessions", body: body)
            #expect(response.status == 200)
            #expect(response.json["amount_total"] == 500)
        }
    }

    @Test func validatesSessionParametersLikeStripe() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let price = try await harness.createPrice()
            let base: [FormField] = [FormField("mode", "payment"), FormField("success_url", "https://x.example/ok")]
            func attempt(_ extra: [FormField]) async throws -> EmulatorHarness.RawResponse {
                try await harness.raw(.post, "/v1/checkout/sessions", .object(base + extra))
            }
            let noItems = try await attempt([])
            #expect(noItems.status == 400 && noItems.errorParam == "line_items")
            let tooMany = try await attempt([
                FormField("line_items", .array(Array(repeating: ["price": .string(price.id), "quantity": 1], count: 101)))
            ])
            #expect(tooMany.status == 400)
            #expect(tooMany.errorType == "invalid_request_error")
            #expect(tooMany.errorParam == "line_items")
            let unknownPrice = try await attempt([FormField("line_items", [["price": "price_missing", "quantity": 1]])])
            #expect(unknownPrice.status == 400 && unknownPrice.errorCode == "resource_missing")
            #expect(unknownPrice.errorParam == "line_items[0][price]")
            let noQuantity = try await attempt([FormField("line_items", [["price": .string(price.id)]])])
            #expect(noQuantity.errorParam == "line_items[0][quantity]")
            let usd = try await harness.createPrice(currency: "usd")
            let mixed = try await attempt([
                FormField("line_items", [["price": .string(price.id), "quantity": 1], ["price": .string(usd.id), "quantity": 1]])
            ])
            #expect(mixed.status == 400)
            let tooSoon = try await attempt([
                FormField("line_items", [["price": .string(price.id), "quantity": 1]]), FormField("expires_at", "1"),
            ])
            #expect(tooSoon.status == 400 && tooSoon.errorParam == "expires_at")
            let subscription = try await harness.raw(
                .post, "/v1/checkout/sessions",
                ["mode": "subscription", "success_url": "https://x.example/ok", "line_items": [["price": .string(price.id), "quantity": 1]]])
            // A subscription session needs a recurring price, as on Stripe.
            #expect(subscription.status == 400 && subscription.errorParam == "line_items" && subscription.text.contains("recurring price"))
        }
    }

    @Test func pagesThroughAHundredLineItemsAndEmbedsOnlyTheFirstPage() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            var lines: [(price: String, quantity: Int)] = []
            for index in 0..<100 {
                lines.append((try await harness.createPrice(name: "Item \(index)", amount: 100 + index).id, 1))
            }
            let session = try await harness.createSession(lines)
            let expanded = try await harness.client.retrieveCheckoutSession(session.id, expand: ["line_items"])
            let embedded = try #require(expanded.lineItems)
            #expect(embedded.data.count == 10)
            #expect(embedded.hasMore)
            #expect(embedded.url == "/v1/checkout/sessions/\(session.id)/line_items")
            let all = try await harness.client.checkoutSessionLineItems(session.id, pageSize: 30).collect()
            #expect(all.count == 100)
            #expect(all.map(\.description) == (0..<100).map { "Item \($0)" })
            #expect(Set(all.map(\.id)).count == 100)
            let page = try await harness.client.listCheckoutSessionLineItems(session.id, limit: 100)
            #expect(page.data.count == 100 && !page.hasMore)
            let before = try await harness.raw(
                .get, "/v1/checkout/sessions/\(session.id)/line_items", ["limit": 5, "ending_before": .string(all[50].id)])
            #expect(before.json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == all[45..<50].map(\.id))
            #expect(before.json["has_more"] == true)
            let tooLarge = try await harness.raw(.get, "/v1/checkout/sessions/\(session.id)/line_items", ["limit": 101])
            #expect(tooLarge.status == 400)
        }
    }

    @Test func expandsDeeperPathsToTheProduct() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let price = try await harness.createPrice(name: "Course", metadata: ["grant": "course-101"])
            let session = try await harness.createSession([(price.id, 1)])
            let expanded = try await harness.client.retrieveCheckoutSession(session.id, expand: ["line_items.data.price.product"])
            let product = try #require(expanded.lineItems?.data.first?.price?.product.expanded)
            #expect(product.metadata == ["grant": "course-101"])
            let items = try await harness.client.listCheckoutSessionLineItems(session.id, expand: ["data.price.product"])
            #expect(items.data.first?.price?.product.expanded?.name == "Course")
            let bad = try await harness.raw(.get, "/v1/checkout/sessions/\(session.id)", ["expand": ["nonsense"]])
            #expect(bad.status == 400 && bad.errorParam == "expand")
        }
    }

    @Test func completesAPaidSessionAndRedirectsToTheSubstitutedSuccessURL() async throws {
        try await EmulatorHarness.run { harness in
            let price = try await harness.createPrice(amount: 2000)
            let session = try await harness.createSession(
                [(price.id, 1)], extra: [FormField("shipping_address_collection", ["allowed_countries": ["DE", "FR"]])])
            let completion = try await harness.control(
                "/checkout/sessions/\(session.id)/complete",
                ["outcome": "paid", "email": "buyer@example.com", "shipping": ["line1": "1 Rue X", "city": "Paris", "postal_code": "75001", "country": "FR"]])
            #expect(completion.json["redirect_url"] == .string("https://shop.example/complete?session_id=\(session.id)"))
            let paid = try await harness.client.retrieveCheckoutSession(session.id)
            #expect(paid.status == .complete)
            #expect(paid.paymentStatus == .paid)
            #expect(paid.paymentIntent?.hasPrefix("pi_") == true)
            #expect(paid.customerDetails?.email == "buyer@example.com")
            #expect(paid.shippingDetails?.address?.city == "Paris")
            #expect(paid.url == nil)
            // Answered in the request's Stripe-Version: the client's pin keeps the shipping in collected_information
            // (2025-03-31.basil on); the account's version, and the webhook, at the top.
            let current = try await harness.raw(.get, "/v1/checkout/sessions/\(session.id)", headers: [("Stripe-Version", "2026-10-28.endive")])
            #expect(current.json["shipping_details"] == nil)
            #expect(current.json["collected_information"]?["shipping_details"]?["address"]?["city"] == "Paris")
            #expect(current.header("Stripe-Version") == "2026-10-28.endive")
            let old = try await harness.raw(.get, "/v1/checkout/sessions/\(session.id)", headers: [("Stripe-Version", "2023-08-16")])
            #expect(old.json["shipping_details"]?["address"]?["city"] == "Paris" && old.json["collected_information"] == nil)
            let deliveries = try await harness.receiver.waitFor("completed") { $0.contains { $0.eventType == "checkout.session.completed" } }
            let event = try #require(deliveries.first { $0.eventType == "checkout.session.completed" })
            #expect(event.event["data"]?["object"]?["payment_status"] == "paid")
            #expect(event.event["api_version"] == "2023-08-16" && event.event["data"]?["object"]?["shipping_details"]?["address"]?["city"] == "Paris")
            let again = try await harness.control("/checkout/sessions/\(session.id)/complete", ["outcome": "paid"])
            #expect(again.status == 400, "a complete session cannot be paid twice")
        }
    }

    @Test func leavesASessionOpenAfterADecline() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let session = try await harness.createSession([(try await harness.createPrice().id, 1)])
            let declined = try await harness.control("/checkout/sessions/\(session.id)/complete", ["outcome": "declined"])
            #expect(declined.json["declined"] == true)
            #expect(declined.json["redirect_url"] == .null)
            #expect(try await harness.client.retrieveCheckoutSession(session.id).status == .open)
            let events = try await harness.client.listEvents(["type": "checkout.session.*"])
            #expect(events.data.isEmpty)
        }
    }

    @Test(arguments: [("delayed_success", "checkout.session.async_payment_succeeded", "paid"),
                      ("delayed_failure", "checkout.session.async_payment_failed", "unpaid")])
    func settlesADelayedPaymentWhenTheClockAdvances(outcome: String, eventType: String, finalStatus: String) async throws {
        try await EmulatorHarness.run { harness in
            let session = try await harness.createSession([(try await harness.createPrice().id, 1)])
            try await harness.control("/checkout/sessions/\(session.id)/complete", ["outcome": .string(outcome)])
            let pending = try await harness.client.retrieveCheckoutSession(session.id)
            #expect(pending.status == .complete)
            #expect(pending.paymentStatus == .unpaid)
            try await harness.control("/clock/advance", ["seconds": .int(3 * 24 * 3600 - 60)])
            #expect(try await harness.client.retrieveCheckoutSession(session.id).paymentStatus == .unpaid, "not yet due")
            try await harness.control("/clock/advance", ["seconds": 120])
            let settled = try await harness.client.retrieveCheckoutSession(session.id)
            #expect(settled.paymentStatus.rawValue == finalStatus)
            let deliveries = try await harness.receiver.waitFor(eventType) { $0.contains { $0.eventType == eventType } }
            #expect(deliveries.map(\.eventType).filter { $0.hasPrefix("checkout.session.") } == ["checkout.session.completed", eventType])
        }
    }

    @Test func expiresAtExpiresAtAndOnRequestButNeverAfterCompletion() async throws {
        try await EmulatorHarness.run { harness in
            let price = try await harness.createPrice()
            let timed = try await harness.createSession([(price.id, 1)], extra: [FormField("expires_at", .int(Int(Date().timeIntervalSince1970) + 1800 + 5))])
            let manual = try await harness.createSession([(price.id, 1)])
            let paid = try await harness.createSession([(price.id, 1)])
            try await harness.control("/checkout/sessions/\(paid.id)/complete", ["outcome": "paid"])
            let expired = try await harness.client.expireCheckoutSession(manual.id)
            #expect(expired.status == .expired)
            let notOpen = try await harness.raw(.post, "/v1/checkout/sessions/\(paid.id)/expire")
            #expect(notOpen.status == 400)
            try await harness.control("/clock/advance", ["seconds": 3600])
            #expect(try await harness.client.retrieveCheckoutSession(timed.id).status == .expired)
            #expect(try await harness.client.retrieveCheckoutSession(paid.id).status == .complete)
            let late = try await harness.control("/checkout/sessions/\(timed.id)/complete", ["outcome": "paid"])
            #expect(late.status == 400)
            let expiredEvents = try await harness.receiver.waitFor("two expiries") {
                $0.filter { $0.eventType == "checkout.session.expired" }.count == 2
            }
            #expect(Set(expiredEvents.filter { $0.eventType == "checkout.session.expired" }.map { $0.event["data"]?["object"]?["id"]?.stringValue ?? "" }) == [timed.id, manual.id])
        }
    }

    @Test func appliesAdjustedQuantitiesWithinBounds() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let price = try await harness.createPrice(amount: 500)
            let session = try await harness.client.createCheckoutSession([
                "mode": "payment", "success_url": "https://x.example/ok",
                "line_items": [["price": .string(price.id), "quantity": 2, "adjustable_quantity": ["enabled": true, "minimum": 1, "maximum": 5]]],
            ])
            let outOfBounds = try await harness.control("/checkout/sessions/\(session.id)/complete", ["outcome": "paid", "quantities": ["9"]])
            #expect(outOfBounds.status == 400)
            try await harness.control("/checkout/sessions/\(session.id)/complete", ["outcome": "paid", "quantities": ["4"]])
            let items = try await harness.client.listCheckoutSessionLineItems(session.id)
            #expect(items.data.first?.quantity == 4)
            #expect(try await harness.client.retrieveCheckoutSession(session.id).amountTotal == 2000)
        }
    }

    @Test func listsSessionsByStatus() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let price = try await harness.createPrice()
            let open = try await harness.createSession([(price.id, 1)])
            let done = try await harness.createSession([(price.id, 1)])
            try await harness.control("/checkout/sessions/\(done.id)/complete", ["outcome": "paid"])
            let complete = try await harness.raw(.get, "/v1/checkout/sessions", ["status": "complete"])
            #expect(complete.json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [done.id])
            let all = try await harness.raw(.get, "/v1/checkout/sessions")
            #expect(all.json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [done.id, open.id])
        }
    }

    @Test func servesAHostedPageThatPaysAndRedirects() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let price = try await harness.createPrice(name: "Course <b>& more</b>", amount: 1500)
            let session = try await harness.createSession([(price.id, 1)])
            let page = try await harness.raw(.get, "/c/pay/\(session.id)", apiKey: nil)
            #expect(page.status == 200)
            #expect(page.text.contains("Course &lt;b&gt;&amp; more&lt;/b&gt;"), "product names are escaped")
            #expect(page.text.contains("€15.00"))
            let declined = try await harness.raw(.post, "/c/pay/\(session.id)", ["outcome": "declined"], apiKey: nil)
            #expect(declined.status == 200 && declined.text.contains("Your card was declined."))
            let paid = try await harness.raw(.post, "/c/pay/\(session.id)", ["outcome": "paid", "email": "a@b.example"], apiKey: nil)
            #expect(paid.status == 302)
            #expect(paid.header("Location") == "https://shop.example/complete?session_id=\(session.id)")
            let after = try await harness.raw(.get, "/c/pay/\(session.id)", apiKey: nil)
            #expect(after.text.contains("no longer available"))
            let unknown = try await harness.raw(.get, "/c/pay/cs_test_unknown", apiKey: nil)
            #expect(unknown.status == 404)
        }
    }

    @Test func takesStripesLocaleReturnsItAndTheHostedPageSpeaksIt() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let price = try await harness.createPrice(name: "Curso", amount: 1500)
            let form: FormValue = [
                "mode": "payment", "success_url": "https://shop.example/ok", "locale": "es",
                "line_items": [["price": .string(price.id), "quantity": 1]],
            ]
            let session = try await harness.client.createCheckoutSession(form)
            #expect(session.locale == "es")
            #expect(try await harness.raw(.get, "/v1/checkout/sessions/\(session.id)").json["locale"]?.stringValue == "es")
            let page = try await harness.raw(.get, "/c/pay/\(session.id)", apiKey: nil)
            #expect(page.text.contains(#"<html lang="es">"#) && page.text.contains(">Pagar<") && page.text.contains("Correo electrónico"))

            let english = try await harness.client.createCheckoutSession(form.setting("locale", "auto"))
            let englishPage = try await harness.raw(.get, "/c/pay/\(english.id)", apiKey: nil)
            #expect(englishPage.text.contains(#"<html lang="en">"#) && englishPage.text.contains(">Pay<"))

            let refused = try await harness.raw(.post, "/v1/checkout/sessions", form.setting("locale", "klingon"))
            #expect(refused.status == 400 && refused.errorParam == "locale")
        }
    }
}
