import Foundation
import StripeAPI
import StripeEmulator
import TestSupport
import Testing

/// Event destinations: thin notifications go out with the webhooks' retries and faults, each pointing at its
/// object and its snapshot event, and are kept under `/v2/core/events`; the v2 API takes JSON and says what
/// is wrong with a request.
@Suite struct EventDestinationTests {
    @Test func aThinNotificationIsRetriedUntilAcknowledgedAndDuplicatedWhenAsked() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false, retryBase: .milliseconds(300)) { harness in
            let destination = await harness.emulator.state.registerEventDestination(
                url: harness.receiverURL, enabledEvents: ["v1.product.created"], thin: true, secret: "whsec_thin_destination")
            harness.receiver.failNext([500, 503])
            let product = try await harness.client.createProduct(["name": "Thin"])
            let attempts = try await harness.receiver.waitFor("three attempts", timeout: .seconds(15)) { $0.count == 3 }
            #expect(Set(attempts.map(\.eventID)).count == 1)
            let notification = attempts[2].event
            #expect(notification["object"] == "v2.core.event" && notification["type"] == "v1.product.created")
            #expect(notification["related_object"]?["url"]?.stringValue == "/v1/products/\(product.id)")
            #expect(notification["data"] == nil, "thin: no object, no data")
            for attempt in attempts {
                try WebhookSignature(secrets: [destination.secret]).verify(payload: attempt.body, header: attempt.signature, now: Date())
            }
            let kept = try await harness.raw(.get, "/v2/core/events/\(attempts[0].eventID)")
            let snapshotID = try #require(kept.json["snapshot_event"]?.stringValue)
            #expect(try await harness.client.retrieveEvent(snapshotID).objectID == product.id)

            try await harness.control("/faults", ["duplicate": 2])
            _ = try await harness.client.createProduct(["name": "Twice"])
            let twice = try await harness.receiver.waitFor("two copies") { $0.count == 5 }
            #expect(twice[3].eventID == twice[4].eventID)
            // Only the types it asked for.
            _ = try await harness.client.createPrice(["product": .string(product.id), "currency": "eur", "unit_amount": 100])
            try await harness.drain()
            #expect(harness.receiver.deliveries.count == 5)
        }
    }

    @Test func theV2APITakesJSONAndAnswersItsErrors() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let json = [("Content-Type", "application/json")]
            let form = try await harness.raw(.post, "/v2/core/event_destinations", ["name": "x"])
            #expect(form.status == 400 && form.text.contains("application/json"))
            let badPayload = try await harness.raw(
                .post, "/v2/core/event_destinations", headers: json,
                body: #"{"name":"x","type":"webhook_endpoint","event_payload":"fat","enabled_events":["v1.charge.refunded"],"webhook_endpoint":{"url":"https://x.example"}}"#)
            #expect(badPayload.status == 400 && badPayload.errorParam == "event_payload")
            let snapshotTypeOnThin = try await harness.raw(
                .post, "/v2/core/event_destinations", headers: json,
                body: #"{"name":"x","type":"webhook_endpoint","event_payload":"thin","enabled_events":["charge.refunded"],"webhook_endpoint":{"url":"https://x.example"}}"#)
            #expect(snapshotTypeOnThin.status == 400 && snapshotTypeOnThin.errorParam == "enabled_events")
            let malformed = try await harness.raw(.post, "/v2/core/event_destinations", headers: json, body: "{not json")
            #expect(malformed.status == 400)
            let made = try await harness.raw(
                .post, "/v2/core/event_destinations", headers: json,
                body: #"{"name":"ok","type":"webhook_endpoint","event_payload":"snapshot","snapshot_api_version":"2026-10-28.endive","enabled_events":["checkout.session.completed"],"webhook_endpoint":{"url":"https://x.example"}}"#)
            #expect(made.status == 200 && made.json["webhook_endpoint"]?["signing_secret"] == .null)
            let id = try #require(made.json["id"]?.stringValue)
            #expect(try await harness.raw(.delete, "/v2/core/event_destinations/\(id)").json["deleted"] == true)
            #expect(try await harness.raw(.get, "/v2/core/event_destinations/\(id)").status == 404)
            #expect(try await harness.raw(.get, "/v2/core/events/evt_test_none").status == 404)
        }
    }
}
