import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// The phishing relay of issue 21, tried end to end without any key: a `retry_url` that browsers read as
/// another host, a name written as the shop's voice, an address that never paid. The door refuses the URL,
/// and the shop's email to that address carries only the shop's words.
@Suite struct PhishingRelayTests {
    static func publicOrder(_ price: String, retryURL: String?, name: String = "Sam", email: String = "victim@example.com") -> JSONValue {
        var order: [String: JSONValue] = [
            "items": [["price": .string(price), "quantity": 1]], "currency": "eur", "email": .string(email), "name": .string(name),
            "payment_method": "ideal", "payment_flow": "sources",
        ]
        if let retryURL { order["retry_url"] = .string(retryURL) }
        return .object(order)
    }

    @Test func everyVariantOfTheRelayedRetryURLIsRefusedAtTheDoorBeforeStripeIsAsked() async throws {
        let stripe = CountingTransport()
        try await ServiceHarness.run(stripeTransport: stripe, configure: {
            $0.allowedReturnHosts = ["shop.example"]
            $0.doors.ordersPerClientPerMinute = 100  // every attempt pays from the budget, refused or not
        }) { harness async throws in
            let bulbs = try await harness.price("Tulip bulbs", amount: 1250, metadata: ["fulfillment": "none"])
            let variants = [
                "https://evil.example\\@shop.example/", "https://evil.example%5C@shop.example/", "https://evil.example%5c@SHOP.EXAMPLE/",
                "https://evil.example@shop.example/", "https://shop.example@evil.example/", "https://shop.example:pw@evil.example/",
                "https://shоp.example/", "https://ｓhop.example/", "HTTPS://EVIL.EXAMPLE\\@SHOP.EXAMPLE/", "https:evil.example",
                "https://shop.example.evil.example/", "http://shop.example/", "https://shop.example:8443/", "https://%73hop.example/",
                "https://shop.example/\u{0}", "https://shop.example/a b", "https://shop.example/a%2Fb",
            ]
            for url in variants {
                let reply = try await harness.createOrder(Self.publicOrder(bulbs.id, retryURL: url), key: nil)
                #expect(reply.status == 400, "\(url): \(reply.status) \(reply.text)")
                #expect(reply.json["error"]?.stringValue?.contains("retry_url") == true, "\(url): the reason names the field")
            }
            #expect(stripe.count(prefix: "/v1/sources") == 0 && stripe.count(prefix: "/v1/prices") == 0, "Stripe was never asked: \(stripe.requested)")
            // The same origin in another case and with its default port is the shop, stored in one form.
            let accepted = try await harness.createOrder(Self.publicOrder(bulbs.id, retryURL: "HTTPS://Shop.Example:443/Cart"), key: nil)
            #expect(accepted.status == 201, "\(accepted.text)")
            #expect(accepted.json["retry_url"] == "https://shop.example/Cart")
        }
    }

    @Test func theShopsEmailToAnAddressThatNeverPaidCarriesNoCallerWrittenWordsOrLinks() async throws {
        try await ServiceHarness.run { harness in
            let bulbs = try await harness.price("Tulip bulbs", amount: 1250, metadata: ["fulfillment": "none"])
            let phish = "- URGENT: your account is suspended, verify at https://evil.example/login -"
            let reply = try await harness.createOrder(
                Self.publicOrder(bulbs.id, retryURL: "http://shop.test/verify-your-account?urgent=suspended", name: phish), key: nil)
            #expect(reply.status == 201, "\(reply.text)")
            let id = try #require(reply.json["id"]?.stringValue)
            let order = try #require(try await harness.store.order(id: id))
            try await harness.authorize(try #require(order.sourceID), "failed")
            try await harness.waitForOrder(id, .canceled)
            try await harness.eventually("the failure email") { harness.sentEmails("order_failed:\(id)").count == 1 }
            let email = try #require(harness.sentEmails("order_failed:\(id)").first?.email)
            #expect(email.recipient == "victim@example.com")
            for written in ["URGENT", "suspended", "evil.example", "verify", "Sam"] {
                #expect(!email.body.contains(written), "the email carries \(written): \(email.body)")
            }
            #expect(email.body.hasPrefix("Hello,\n"), "no name in an email to an address that never paid")
            let links = email.body.split(whereSeparator: \.isWhitespace).filter { $0.contains("://") }
            #expect(links.allSatisfy { $0.hasPrefix("http://shop.test/orders/\(id)") }, "only the shop's own page: \(links)")
        }
    }

    @Test func aNameInAPaidCustomersEmailIsCutAndLinkFree() async throws {
        try await ServiceHarness.run { harness in
            let bulbs = try await harness.price("Tulip bulbs", amount: 1250, metadata: ["fulfillment": "none"])
            var order = Self.publicOrder(bulbs.id, retryURL: nil, name: "Sam see evil.example/login")
            order["payment_method"] = "card"
            order["card_token"] = "tok_visa"
            let reply = try await harness.createOrder(order, key: nil)
            let id = try #require(reply.json["id"]?.stringValue)
            try await harness.waitForOrder(id, .paid)
            try await harness.eventually("the confirmation") { harness.sentEmails("order_confirmed:\(id)").count == 1 }
            let body = try #require(harness.sentEmails("order_confirmed:\(id)").first?.email.body)
            #expect(body.hasPrefix("Hello,\n") && !body.contains("evil.example"), "\(body)")
        }
    }

    @Test func ordersWithoutTheKeyAreBudgetedPerClientAndBehindAProxyPerForwardedClient() async throws {
        try await ServiceHarness.run(configure: {
            $0.doors.ordersPerClientPerMinute = 3
            $0.doors.trustedProxies = ["127.0.0.1"]
            $0.doors.refusalPause = .zero
        }) { harness async throws in
            let bulbs = try await harness.price("Tulip bulbs", amount: 1250, metadata: ["fulfillment": "none"])
            func order(from client: String) async throws -> ServiceHarness.Reply {
                try await harness.post(
                    "/api/orders", body: Self.publicOrder(bulbs.id, retryURL: nil).serialized(),
                    headers: [("Content-Type", "application/json"), ("X-Forwarded-For", client)])
            }
            for _ in 0..<3 { #expect(try await order(from: "198.51.100.1").status == 201) }
            let refused = try await order(from: "198.51.100.1")
            #expect(refused.status == 429 && Int(refused.header("Retry-After") ?? "") ?? 0 >= 1, "\(refused.status) \(refused.text)")
            #expect(try await order(from: "198.51.100.2").status == 201, "another customer behind the same proxy has a budget of its own")
            #expect(try await harness.createOrder(LockedDoorsTests.tulips).status == 201, "the merchant's backend, with the key, is not budgeted")
        }
    }
}
