import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// A shop selling a monthly subscription through the service, driven by a Stripe test clock that starts at the
/// service's own now: advancing moves the test clock and the service's clock together, so a renewal is due for
/// both at once.
struct SubscriptionShop {
    let harness: ServiceHarness
    let clock: String
    let start: Int
    let price: String
    /// Whether advancing the test clock moves the service's clock too (only with an emulator that shares it:
    /// otherwise webhooks signed on the emulator's clock would look stale to the service).
    var movesServiceClock = true

    static let day = 24 * 3600

    /// A monthly price whose product names `fulfillment` (and a test clock at the service's now).
    static func open(
        _ harness: ServiceHarness, name: String = "Membership", amount: Int = 1500, fulfillment: String = "digital"
    ) async throws -> SubscriptionShop {
        let start = Int(harness.clock.now.timeIntervalSince1970)
        let clock = try #require(
            try await harness.stripeAPI("POST", "/v1/test_helpers/test_clocks", ["frozen_time": .int(start)]).json["id"]?.stringValue)
        let product = try await harness.stripe.createProduct(["name": .string(name), "metadata": ["fulfillment": .string(fulfillment)]])
        let price = try await harness.stripeAPI(
            "POST", "/v1/prices",
            ["product": .string(product.id), "currency": "eur", "unit_amount": .int(amount), "recurring": ["interval": "month"]])
        return SubscriptionShop(harness: harness, clock: clock, start: start, price: try #require(price.json["id"]?.stringValue))
    }

    /// A customer on the clock paying with `paymentMethod` (`pm_card_chargeCustomerFail` fails renewals).
    func customer(email: String = "member@example.com", paymentMethod: String = "pm_card_visa") async throws -> String {
        let made = try await harness.stripeAPI(
            "POST", "/v1/customers",
            ["email": .string(email), "name": "Ada Member", "test_clock": .string(clock), "payment_method": .string(paymentMethod),
             "invoice_settings": ["default_payment_method": .string(paymentMethod)]])
        #expect(made.status == 200, "\(made.text)")
        return try #require(made.json["id"]?.stringValue)
    }

    /// A subscription the merchant's own code creates through the API.
    func subscribe(customer: String) async throws -> String {
        let made = try await harness.stripeAPI("POST", "/v1/subscriptions", ["customer": .string(customer), "items": [["price": .string(price)]]])
        #expect(made.status == 200, "\(made.text)")
        return try #require(made.json["id"]?.stringValue)
    }

    /// Moves the test clock to `time` (Unix seconds) and the service's clock by as much.
    func advance(to time: Int) async throws {
        // The service's clock first: what the clock's advance makes is signed and dated after it.
        let now = Int(harness.clock.now.timeIntervalSince1970)
        if movesServiceClock, time > now { harness.clock.advance(TimeInterval(time - now)) }
        let moved = try await harness.stripeAPI("POST", "/v1/test_helpers/test_clocks/\(clock)/advance", ["frozen_time": .int(time)])
        #expect(moved.status == 200, "\(moved.text)")
    }

    /// Stripe's subscription as the service's API version shows it.
    func stripeSubscription(_ id: String) async throws -> JSONValue {
        try await harness.stripeAPI("GET", "/v1/subscriptions/\(id)").json
    }

    func stored(_ id: String) async throws -> StoredSubscription? { try await harness.store.subscription(id: id) }

    func waitFor(_ id: String, _ description: String, _ condition: @escaping @Sendable (StoredSubscription) -> Bool) async throws {
        do {
            try await harness.eventually("\(id) \(description)") {
                guard let stored = try await harness.store.subscription(id: id) else { return false }
                return condition(stored)
            }
        } catch {
            // What the service made of each event, for the failure's report.
            let events = try await harness.store.listEvents(status: nil, limit: 200)
            let notes = events.map { "\($0.type) \($0.status.rawValue) \($0.lastError ?? "")" }.joined(separator: "\n")
            let stored = try await harness.store.subscription(id: id)
            throw ServiceHarness.TimedOut(description: "\(error); stored \(String(describing: stored?.entitlement)); events:\n\(notes)")
        }
    }

    /// The access link the grant made for the subscription's digital line (its path).
    func accessPath(_ id: String) async throws -> String {
        let purchase = try #require(try await harness.store.purchase(subjectID: id))
        let url = try #require(purchase.lines.compactMap { line -> String? in
            if case .accessGranted(let url) = line.outcome { url } else { nil }
        }.first)
        return try #require(URL(string: url)?.path)
    }

    func notifications(_ type: String, about id: String) -> [JSONValue] {
        (harness.merchant?.deliveries ?? []).map(\.event).filter {
            $0["type"]?.stringValue == type && $0["data"]?["object"]?["id"]?.stringValue == id
        }
    }

    func emails(_ prefix: String) -> [QueuedEmail] {
        harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix(prefix) }
    }
}
