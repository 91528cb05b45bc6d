import Foundation
import StripeAPI
import StripeEmulator
import TestSupport
import Testing

/// Connect in the emulator: the platform makes accounts; `Stripe-Account` scopes every object and event
/// (another account's object is "No such ...", 404, as at Stripe); Connect endpoints receive the connected
/// accounts' events with `account`, the platform's endpoints only the platform's.
@Suite struct ConnectTests {
    func account(_ harness: EmulatorHarness, _ name: String) async throws -> String {
        let made = try await harness.raw(.post, "/v1/accounts", ["type": "express", "country": "NL", "business_profile": ["name": .string(name)]])
        return try #require(made.json["id"]?.stringValue)
    }

    @Test func everyObjectAndEventBelongsToTheAccountThatMadeIt() async throws {
        try await EmulatorHarness.run { harness in
            let connect = await harness.emulator.state.registerEndpoint(
                url: harness.receiverURL, enabledEvents: ["*"], secret: "whsec_connect_endpoint", connect: true)
            let a = try await account(harness, "Shop A")
            let b = try await account(harness, "Shop B")
            #expect(try await harness.raw(.get, "/v1/accounts/\(a)").json["business_profile"]?["name"] == "Shop A")

            let onA = harness.client.onAccount(a)
            let product = try await onA.createProduct(["name": "Course on A"])
            let price = try await onA.createPrice(["product": .string(product.id), "currency": "eur", "unit_amount": 1500])
            let session = try await onA.createCheckoutSession([
                "mode": "payment", "success_url": "https://a.example/ok", "line_items": [["price": .string(price.id), "quantity": 1]],
            ])
            #expect(try await onA.retrieveCheckoutSession(session.id).id == session.id)
            // The platform and account B do not see A's objects: 404, as Stripe's "No such checkout.session".
            for scope in [nil, b] {
                let headers = scope.map { [("Stripe-Account", $0)] } ?? []
                let missing = try await harness.raw(.get, "/v1/checkout/sessions/\(session.id)", headers: headers)
                #expect(missing.status == 404 && missing.errorCode == "resource_missing")
                let listed = try await harness.raw(.get, "/v1/checkout/sessions", headers: headers)
                #expect(listed.json["data"]?.arrayValue?.isEmpty == true)
            }
            // B cannot use A's price in its own session.
            let borrowed = try await harness.raw(
                .post, "/v1/checkout/sessions",
                ["mode": "payment", "success_url": "https://b.example/ok", "line_items": [["price": .string(price.id), "quantity": 1]]],
                headers: [("Stripe-Account", b)])
            #expect(borrowed.status == 400 && borrowed.errorCode == "resource_missing")
            let unknown = try await harness.raw(.get, "/v1/products", headers: [("Stripe-Account", "acct_nobody")])
            #expect(unknown.status == 403 && unknown.errorCode == "account_invalid")

            // Paid through test control, as A's customer: the charge and the events are A's.
            try await harness.control("/checkout/sessions/\(session.id)/complete", ["outcome": "paid"])
            let paid = try await onA.retrieveCheckoutSession(session.id)
            #expect(paid.paymentStatus == .paid)
            let events = try await onA.listEvents(["type": "checkout.session.completed"])
            #expect(events.data.map(\.objectID) == [session.id])
            #expect(try await harness.client.listEvents(["type": "checkout.session.completed"]).data.isEmpty)

            let delivered = try await harness.receiver.waitFor("the completion on the Connect endpoint") { deliveries in
                deliveries.contains { $0.eventType == "checkout.session.completed" }
            }
            let completion = try #require(delivered.first { $0.eventType == "checkout.session.completed" })
            #expect(completion.event["account"]?.stringValue == a)
            try WebhookSignature(secrets: [connect.secret]).verify(payload: completion.body, header: completion.signature, now: Date())
            // The platform's own endpoint (the harness's) got none of A's events, only the platform's.
            try await harness.drain()
            #expect(harness.receiver.deliveries.filter { $0.event["account"] == nil }.allSatisfy { !$0.eventType.hasPrefix("checkout.") })
        }
    }
}
