import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// Connect end to end: a platform with two connected accounts whose events come through a Connect endpoint
/// with its own secret, twice and shuffled. Sessions and orders on each are fulfilled once, every Stripe
/// request about them goes to their account (the emulator answers 404 on the wrong one), the ledger,
/// timelines and notifications name the account, and a refund on B revokes only B's purchase.
@Suite("Connect: two connected accounts")
struct ConnectTests {
    static let token = "at_console_api_token_0123"

    func session(_ harness: ServiceHarness, on account: String, amount: Int) async throws -> CheckoutSession {
        let stripe = harness.stripe.onAccount(account)
        let product = try await stripe.createProduct(["name": "Course", "metadata": ["fulfillment": "digital"]])
        let price = try await stripe.createPrice(["product": .string(product.id), "currency": "eur", "unit_amount": .int(amount)])
        return try await stripe.createCheckoutSession([
            "mode": "payment", "customer_email": "jenny@example.com", "line_items": [["price": .string(price.id), "quantity": 1]],
            "success_url": .string("\(harness.serviceURL)/checkout/complete?session_id={CHECKOUT_SESSION_ID}&account=\(account)"),
        ])
    }

    @Test func sessionsAndOrdersOnTwoAccountsAreFulfilledOnceOnTheirOwnAccount() async throws {
        let transport = CountingTransport()
        try await ServiceHarness.run(
            merchantEndpoint: true, stripeTransport: transport, connectedAccounts: ["Shop A", "Shop B"],
            configure: { $0.adminToken = Self.token }
        ) { harness in
            try await harness.control("/faults", ["duplicate": 2, "shuffle_window": 4, "shuffle_hold_ms": 200])
            let (a, b) = (harness.accounts[0], harness.accounts[1])
            let onA = try await session(harness, on: a, amount: 2100)
            let onB = try await session(harness, on: b, amount: 3200)
            try await harness.pay(onA)
            try await harness.pay(onB)
            // An order on each account: its PaymentIntent is made there.
            let orderA = try #require(try await harness.paymentIntentOrder("ideal", extra: ["account": .string(a)]).json["id"]?.stringValue)
            let orderB = try #require(try await harness.paymentIntentOrder("ideal", extra: ["account": .string(b)]).json["id"]?.stringValue)
            for (order, account) in [(orderA, a), (orderB, b)] {
                let intentID = try #require(try await harness.store.order(id: order)?.paymentIntentID)
                #expect(try await harness.stripeAPI("GET", "/v1/payment_intents/\(intentID)").status == 404, "not on the platform")
                #expect(try await harness.stripeAPI("GET", "/v1/payment_intents/\(intentID)", account: account).status == 200)
                try await harness.authorizeIntent(intentID, "succeed")
            }
            // An order may only name an account the service was told of.
            let stranger = try await harness.createOrder([
                "items": [["name": "Bulbs", "quantity": 1, "unit_amount": 900]], "currency": "eur", "email": "sam@example.com",
                "payment_method": "ideal", "account": "acct_someoneelse",
            ])
            #expect(stranger.status == 400 && stranger.text.contains("CONNECTED_ACCOUNTS"))

            for id in [onA.id, onB.id] { try await harness.waitForStatus(id, .fulfilled) }
            for id in [orderA, orderB] { try await harness.waitForOrder(id, .paid) }
            #expect(try await harness.store.purchase(subjectID: onA.id)?.account == a)
            #expect(try await harness.store.purchase(subjectID: onB.id)?.account == b)
            #expect(try await harness.store.order(id: orderA)?.account == a)
            #expect(try await harness.store.purchase(subjectID: orderB)?.account == b, "the order's purchase keeps its account")

            // A refund on B: only B's purchase is revoked.
            let chargeB = try #require(
                try await harness.stripeAPI("GET", "/v1/checkout/sessions/\(onB.id)", ["expand": ["payment_intent"]], account: b)
                    .json["payment_intent"]?["latest_charge"]?.stringValue)
            #expect(try await harness.stripeAPI("POST", "/v1/refunds", ["charge": .string(chargeB)], account: b).status == 200)
            try await harness.waitForAfterPayment(onB.id, "refunded on B") { $0.state.refundedAmount == 3200 && $0.access == .revoked }
            #expect(try await harness.control("/webhooks/drain").status == 200)
            try await harness.waitForInboxDrained()
            #expect(try await harness.store.afterPayment(subjectID: onA.id) == nil, "A's purchase untouched")
            #expect(try await harness.store.listEvents(status: .dead, limit: 10).isEmpty)
            #expect(try await harness.store.listEvents(status: .orphaned, limit: 10).isEmpty)

            // Once each: one receipt per session, one confirmation per order.
            try await harness.eventually("receipts and confirmations") {
                [onA.id, onB.id].allSatisfy { id in harness.emails.sent.contains { $0.email.dedupeKey.hasPrefix("receipt:\(id)") } }
                    && [orderA, orderB].allSatisfy { !harness.sentEmails("order_confirmed:\($0)").isEmpty }
            }
            try await Task.sleep(for: .milliseconds(300))
            for id in [onA.id, onB.id] { #expect(harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix("receipt:\(id)") }.count == 1) }
            for id in [orderA, orderB] { #expect(harness.sentEmails("order_confirmed:\(id)").count == 1) }

            // Every request about an account's objects named that account, and none met a 404.
            let sent = transport.sent
            #expect(!sent.isEmpty && sent.allSatisfy { $0.status != 404 }, "\(sent.filter { $0.status == 404 }.map(\.path))")
            for (id, account) in [(onA.id, a), (onB.id, b)] {
                let about = sent.filter { $0.path.contains(id) }
                #expect(!about.isEmpty && about.allSatisfy { $0.account == account })
            }

            // The notifications and the console's timeline name the account.
            try await harness.eventually("notifications") { (harness.merchant?.deliveries ?? []).filter { $0.eventType == "checkout.fulfilled" }.count >= 2 }
            let fulfilled = (harness.merchant?.deliveries ?? []).filter { $0.eventType == "checkout.fulfilled" }
            #expect(Set(fulfilled.compactMap { $0.event["data"]?["object"]?["account"]?.stringValue }) == [a, b])
            let timeline = try await harness.get("/admin/api/timeline/\(onB.id)", headers: [("Authorization", "Bearer \(Self.token)")])
            #expect(timeline.json["account"]?.stringValue == b)
            #expect(timeline.json["entries"]?.arrayValue?.contains { $0["what"]?.stringValue?.contains("connected account \(b)") == true } == true)
        }
    }

    @Test func theReconcilerLooksAtEveryConnectedAccountTheLedgerKnows() async throws {
        try await ServiceHarness.run(connectedAccounts: ["Shop A", "Shop B"]) { harness in
            let (a, b) = (harness.accounts[0], harness.accounts[1])
            // Every delivery lost: the sessions are paid and nobody hears of it.
            try await harness.control("/faults", ["drop_rate": "1"])
            let onA = try await session(harness, on: a, amount: 1500)
            let onB = try await session(harness, on: b, amount: 1600)
            try await harness.pay(onA)
            try await harness.pay(onB)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await harness.store.purchase(subjectID: onA.id) == nil)
            let summary = try await harness.service.reconciler(holder: "test").run()
            #expect(summary.progress.accounts == 3 && summary.line.contains("2 connected accounts"))
            // Each account's events were recovered (the workers may fulfil from them before the pass's own look
            // at the sessions); stored naming their account, they act there.
            let completions = summary.recovered.filter { $0.type == "checkout.session.completed" }.map(\.id)
            #expect(completions.count == 2)
            for id in completions { #expect(try await harness.store.event(id: id)?.account != nil) }
            try await harness.waitForStatus(onA.id, .fulfilled)
            try await harness.waitForStatus(onB.id, .fulfilled)
            #expect(try await harness.store.purchase(subjectID: onA.id)?.account == a)
            #expect(try await harness.store.purchase(subjectID: onB.id)?.account == b)
            try await harness.waitForInboxDrained()
            #expect(try await harness.store.listEvents(status: .dead, limit: 10).isEmpty)
        }
    }
}
