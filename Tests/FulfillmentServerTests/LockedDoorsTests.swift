import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// The doors a stranger could push: order creation, return URLs, lookups that cost Stripe requests, metrics,
/// and the headers every page carries.
@Suite struct LockedDoorsTests {
    static let tulips: JSONValue = [
        "items": [["name": "Tulip bulbs", "quantity": 1000, "unit_amount": 1]], "currency": "eur", "email": "sam@example.com",
        "payment_method": "ideal",
    ]

    @Test func callerPricedOrdersNeedTheKeyAndOrdersByPriceAreRepriced() async throws {
        try await ServiceHarness.run { harness in
            let stranger = try await harness.createOrder(Self.tulips, key: nil)
            #expect(stranger.status == 403)
            #expect(stranger.json["error"]?.stringValue?.contains("ORDER_API_KEY") == true)
            #expect(try await harness.createOrder(["amount": 1, "currency": "eur", "email": "a@example.com", "payment_method": "ideal"], key: nil).status == 403)
            let wrongKey = try await harness.createOrder(Self.tulips, key: "ok_not_the_key_at_all_000")
            #expect(wrongKey.status == 401)
            #expect(try await harness.createOrder(Self.tulips).status == 201, "the merchant's backend, with the key")

            let mug = try await harness.price("Mug", amount: 1200, metadata: ["fulfillment": "physical", "sku": "MUG"])
            let byPrice = try await harness.createOrder(
                [
                    "items": [["price": .string(mug.id), "quantity": 1000, "unit_amount": 1]], "currency": "eur",
                    "email": "sam@example.com", "payment_method": "ideal",
                ], key: nil)
            #expect(byPrice.status == 201)
            let order = try #require(try await harness.store.order(id: byPrice.json["id"]?.stringValue ?? ""))
            #expect(order.amount == 1_200_000 && order.items.first?.unitAmount == 1200, "priced by the server, not the caller")
        }
    }

    @Test func aRetryURLMustBeOnAnAllowedHost() async throws {
        try await ServiceHarness.run { harness in
            var order = Self.tulips.objectValue ?? [:]
            order["retry_url"] = "https://evil.example/login"
            let refused = try await harness.createOrder(.object(order))
            #expect(refused.status == 400 && refused.json["error"]?.stringValue?.contains("retry_url") == true)
            order["retry_url"] = "http://shop.test/cart"
            #expect(try await harness.createOrder(.object(order)).status == 201, "the PUBLIC_URL host is allowed")
        }
        try await ServiceHarness.run(configure: { $0.allowedReturnHosts = ["shop.example"] }) { harness async throws in
            var order = Self.tulips.objectValue ?? [:]
            order["retry_url"] = "https://shop.example/cart"
            #expect(try await harness.createOrder(.object(order)).status == 201)
            order["retry_url"] = "http://shop.test/cart"
            #expect(try await harness.createOrder(.object(order)).status == 400, "only the listed hosts once there is a list")
        }
        await #expect(throws: ConfigurationError.self, "an entry that is not an origin stops the service at start") {
            try await ServiceHarness.run(configure: { $0.allowedReturnHosts = ["user@shop.example"] }) { _ in }
        }
    }

    @Test func lookupsOfUnknownSessionsReachStripeAHandfulOfTimes() async throws {
        let transport = CountingTransport()
        try await ServiceHarness.run(stripeTransport: transport) { harness in
            var statuses: [Int: Int] = [:]
            let started = ContinuousClock.now
            for index in 0..<200 {
                let id = "cs_test_unknown\(index)"
                let path = index.isMultiple(of: 2) ? "/api/checkout/sessions/\(id)" : "/checkout/complete?session_id=\(id)"
                statuses[try await harness.get(path).status, default: 0] += 1
            }
            let lookups = transport.count(prefix: "/v1/checkout/sessions/")
            // The budget: a burst of 10, and one more every 6 s the loop took.
            let refilled = Int(((ContinuousClock.now - started).seconds / 6).rounded(.up))
            #expect(lookups >= 10 && lookups <= 10 + refilled, "one client's budget: \(lookups) Stripe lookups")
            #expect(statuses[404, default: 0] == lookups && statuses[429, default: 0] == 200 - lookups, "\(statuses)")
        }
    }

    @Test func lookupsOfUnknownOrdersAreBudgetedPerClientAndKnownOnesAreNot() async throws {
        try await ServiceHarness.run { harness in
            let (known, _) = try await harness.order("ideal")
            var statuses: [Int: Int] = [:]
            for index in 0..<40 {
                let id = "ord_" + String(repeating: "x", count: 20) + String(format: "%04d", index)
                statuses[try await harness.get("/api/orders/\(id)").status, default: 0] += 1
            }
            #expect((statuses[404] ?? 0) >= 10 && (statuses[404] ?? 0) <= 15, "the budget: \(statuses)")
            #expect((statuses[429] ?? 0) == 40 - (statuses[404] ?? 0))
            for _ in 0..<20 { #expect(try await harness.get("/api/orders/\(known)").status == 200, "a known order is never limited") }
        }
    }

    @Test func oneUnknownIdReachesStripeOncePerIntervalWhoeverAsks() async throws {
        let transport = CountingTransport()
        try await ServiceHarness.run(stripeTransport: transport, configure: { $0.unknownLookupInterval = .seconds(60) }) { harness async throws in
            for _ in 0..<20 {
                #expect(try await harness.get("/api/checkout/sessions/cs_test_doesnotexist").status == 404)
            }
            #expect(transport.count(prefix: "/v1/checkout/sessions/cs_test_doesnotexist") == 1)
        }
    }

    @Test func metricsNeedTheTokenWhenOneIsSet() async throws {
        try await ServiceHarness.run(configure: { $0.metricsToken = "mt_metrics_token_0123456789" }) { harness async throws in
            #expect(try await harness.get("/metrics").status == 401)
            #expect(try await harness.get("/metrics", headers: [("Authorization", "Bearer wrong_token_0123456789")]).status == 401)
            let scraped = try await harness.get("/metrics", headers: [("Authorization", "Bearer mt_metrics_token_0123456789")])
            #expect(scraped.status == 200 && scraped.text.contains("fulfillment_events_received_total"))
        }
    }

    @Test func everyPageCarriesSecurityHeadersAndNoInlineScript() async throws {
        try await ServiceHarness.run { harness in
            let (orderID, _) = try await harness.order("ideal")
            let page = try await harness.get("/orders/\(orderID)")
            let policy = page.header("Content-Security-Policy") ?? ""
            #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"))
            #expect(!policy.components(separatedBy: ";").contains { $0.contains("script-src") && $0.contains("unsafe-inline") })
            #expect(page.header("X-Content-Type-Options") == "nosniff")
            #expect(page.header("Referrer-Policy") == "strict-origin-when-cross-origin")
            #expect(page.text.contains(#"<script src="/assets/order.js" defer></script>"#))
            #expect(!page.text.contains("<script>"), "no inline script")
            let script = try await harness.get("/assets/order.js")
            #expect(script.status == 200 && script.text.contains("/api/orders/"))
            let notFound = try await harness.get("/checkout/complete?session_id=bad")
            #expect(notFound.status == 404 && notFound.header("X-Content-Type-Options") == "nosniff", "error pages too")
        }
    }
}
