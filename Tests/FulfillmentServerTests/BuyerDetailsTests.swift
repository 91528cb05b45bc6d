import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// A session id is in success URLs, browser history and proxy logs, and an access link gets forwarded: neither
/// alone reveals the customer's email, address or other access links. The buyer's browser, back from
/// Stripe, sees everything.
@Suite struct BuyerDetailsTests {
    static let email = "jenny@example.com"

    /// A paid session with a course (an access link) and a mug (shipped to Berlin), fulfilled by its webhook.
    func paidSession(_ harness: ServiceHarness) async throws -> CheckoutSession {
        let course = try await harness.price("Swift course", amount: 4900, metadata: ["fulfillment": "digital"])
        let mug = try await harness.price("Mug", amount: 1200, metadata: ["fulfillment": "physical"])
        let session = try await harness.session([(course.id, 1), (mug.id, 1)], email: Self.email)
        try await harness.pay(session)
        try await harness.waitForStatus(session.id, .fulfilled)
        return session
    }

    func personal(_ text: String) -> [String] {
        [Self.email, "Friedrichstraße", "Berlin", "/access/"].filter { text.contains($0) }
    }

    @Test func aSessionIdAloneShowsWhereThePurchaseStandsAndNothingPersonal() async throws {
        try await ServiceHarness.run { harness in
            let session = try await paidSession(harness)
            let api = try await harness.get("/api/checkout/sessions/\(session.id)")
            #expect(api.status == 200 && api.json["status"] == "fulfilled")
            #expect(api.json["details_withheld"] == true && personal(api.text).isEmpty, "\(api.text)")
            #expect(api.json["customer_email"]?.isNull == true && api.json["shipping"]?.isNull == true)
            #expect(api.json["line_items"]?.arrayValue?.map { $0["outcome"]?.stringValue } == ["access_granted", "shipped"])
            #expect(api.json["line_items"]?.arrayValue?.first?["access_url"]?.isNull == true)
            #expect(api.header("Cache-Control") == "no-store")
            #expect(api.cookie == nil, "the JSON never claims the purchase")

            // The buyer lands first, back from Stripe: the page claims the purchase and shows everything.
            let landing = try await harness.get("/checkout/complete?session_id=\(session.id)")
            #expect(landing.status == 200 && landing.header("Cache-Control") == "no-store")
            #expect(Set(personal(landing.text)) == [Self.email, "Friedrichstraße", "Berlin", "/access/"], "the buyer sees everything")
            let cookie = try #require(landing.cookie)
            let setCookie = try #require(landing.header("Set-Cookie"))
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("Max-Age=3600"))
            #expect(!setCookie.contains("Secure"), "http here; Secure over https (DoorGuardTests, ConsoleDoorTests)")
            let again = try await harness.get("/checkout/complete?session_id=\(session.id)", headers: [("Cookie", cookie)])
            #expect(personal(again.text).count == 4, "a reload keeps it")
            let buyersJSON = try await harness.get("/api/checkout/sessions/\(session.id)", headers: [("Cookie", cookie)])
            #expect(buyersJSON.json["customer_email"] == .string(Self.email) && buyersJSON.json["details_withheld"] == false)
            #expect(buyersJSON.json["line_items"]?.arrayValue?.first?["access_url"]?.stringValue?.hasPrefix("http://shop.test/access/") == true)

            // Anyone else with the id, afterwards: the state, not the details.
            let stranger = try await harness.get("/checkout/complete?session_id=\(session.id)")
            #expect(stranger.status == 200 && stranger.text.contains("Thank you! Your order is complete."))
            #expect(personal(stranger.text).isEmpty, "\(personal(stranger.text))")
            #expect(stranger.text.contains("id=\"details-withheld\"") && stranger.cookie == nil)
            #expect(personal(try await harness.get("/api/checkout/sessions/\(session.id)").text).isEmpty)
            // A cookie for another purchase opens nothing here.
            let forged = cookie.replacingOccurrences(of: "=", with: "=1")
            #expect(personal(try await harness.get("/checkout/complete?session_id=\(session.id)", headers: [("Cookie", forged)]).text).isEmpty)
        }
    }

    @Test func anAccessLinkAloneOpensItsOwnItemAndLeadsNowhereElse() async throws {
        try await ServiceHarness.run { harness in
            let session = try await paidSession(harness)
            let record = try #require(try await harness.store.purchase(subjectID: session.id))
            guard case .accessGranted(let url)? = record.lines.first?.outcome else { throw ServiceHarness.TimedOut(description: "no access") }
            let access = try await harness.get(String(url.dropFirst("http://shop.test".count)))
            #expect(access.status == 200 && access.text.contains("Swift course"))
            #expect(!access.text.contains(session.id) && !access.text.contains("cs_test_"), "the page does not name the purchase")
            #expect(personal(access.text).isEmpty && access.header("Cache-Control") == "no-store")
        }
    }

    @Test func thePurchaseCanBeClaimedOnlyFirstAndOnlySoonAfterIt() async throws {
        try await ServiceHarness.run { harness in
            let session = try await paidSession(harness)
            harness.clock.advance(3601)
            let late = try await harness.get("/checkout/complete?session_id=\(session.id)")
            #expect(late.status == 200 && late.cookie == nil && personal(late.text).isEmpty, "past the window, nobody claims it")
            harness.clock.advance(-3601)
            let first = try await harness.get("/checkout/complete?session_id=\(session.id)")
            #expect(first.cookie != nil)
            let second = try await harness.get("/checkout/complete?session_id=\(session.id)")
            #expect(second.cookie == nil && personal(second.text).isEmpty, "a second browser within the window gets nothing")
        }
    }
}
