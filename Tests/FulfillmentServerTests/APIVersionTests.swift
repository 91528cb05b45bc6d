import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// The API version: the service's client pins 2026-10-28.endive, so the sessions it fetches keep their shipping
/// in `collected_information.shipping_details` (2025-03-31.basil on); its webhook endpoint may still be on the
/// account's old version (shipping at the top of the event's copy) or on the new one. Either way the session
/// ships, to the address the customer gave.
@Suite struct APIVersionTests {
    @Test(arguments: [nil, "2026-10-28.endive"])
    func aSessionShipsFromCollectedInformationWhicheverVersionItsWebhookSpeaks(webhookVersion: String?) async throws {
        try await ServiceHarness.run(webhookAPIVersion: webhookVersion) { harness in
            try await harness.store.setStock(sku: "MUG", quantity: 5)
            let mug = try await harness.price("Mug", amount: 1200, metadata: ["fulfillment": "physical", "sku": "MUG"])
            let session = try await harness.session([(mug.id, 1)])
            try await harness.pay(session)
            try await harness.waitForStatus(session.id, .fulfilled)
            let record = try #require(try await harness.store.purchase(subjectID: session.id))
            #expect(record.shipping?.address?.city == "Berlin" && record.lines.first?.action.name == "physical")
            // The session the service fetched (and keeps) is in the new shape: it shipped from collected_information.
            let kept = try JSONValue.parse(try #require(try await harness.store.purchasePayment(subjectID: session.id)).objectJSON)
            #expect(kept["shipping_details"] == nil)
            #expect(kept["collected_information"]?["shipping_details"]?["address"]?["city"]?.stringValue == "Berlin")
            try await harness.waitForInboxDrained()
            let events = try await harness.store.listEvents(status: .processed, limit: 20).filter { $0.type == "checkout.session.completed" }
            let delivered = try JSONValue.parse(try #require(events.first).payload)
            #expect(delivered["api_version"]?.stringValue == (webhookVersion ?? "2023-08-16"))
            let copy = delivered["data"]?["object"]
            let city = copy?["shipping_details"]?["address"]?["city"] ?? copy?["collected_information"]?["shipping_details"]?["address"]?["city"]
            #expect(city?.stringValue == "Berlin")
            #expect((copy?["collected_information"] != nil) == (webhookVersion != nil), "the webhook's copy is in its endpoint's version")
        }
    }
}
