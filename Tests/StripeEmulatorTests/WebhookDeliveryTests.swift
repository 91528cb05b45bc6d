import Foundation
import StripeAPI
import TestSupport
import Testing

@Suite struct WebhookDeliveryTests {
    @Test func signsEveryDeliverySoThatItVerifiesWithTheEndpointSecret() async throws {
        try await EmulatorHarness.run { harness in
            _ = try await harness.client.createProduct(["name": "Signed"])
            let delivery = try #require(try await harness.receiver.waitFor("one delivery") { !$0.isEmpty }.first)
            let verifier = WebhookSignature(secrets: [harness.webhookSecret])
            let header = try verifier.verify(payload: delivery.body, header: delivery.signature, now: Date())
            #expect(abs(header.timestamp - Int(Date().timeIntervalSince1970)) <= 5, "signed with the wall clock")
            #expect(throws: WebhookSignatureError.signatureMismatch) {
                try WebhookSignature(secrets: ["whsec_wrong"]).verify(payload: delivery.body, header: delivery.signature, now: Date())
            }
            let event = try delivery.event.decode(as: Event.self)
            #expect(event.type.rawValue == "product.created")
            #expect(event.pendingWebhooks == 1, "the payload is sent before it is acknowledged")
            try await harness.drain()
            #expect(try await harness.client.retrieveEvent(event.id).pendingWebhooks == 0)
        }
    }

    @Test func retriesFailuresWithAFreshTimestampUntilAcknowledged() async throws {
        try await EmulatorHarness.run(retryBase: .milliseconds(1100)) { harness in
            harness.receiver.failNext([500, 503])
            _ = try await harness.client.createProduct(["name": "Retried"])
            let deliveries = try await harness.receiver.waitFor("three attempts", timeout: .seconds(15)) { $0.count == 3 }
            #expect(Set(deliveries.map(\.eventID)).count == 1)
            let timestamps = try deliveries.map { try WebhookSignatureHeader(parsing: $0.signature ?? "").timestamp }
            #expect(timestamps[1] > timestamps[0] && timestamps[2] > timestamps[1], "each attempt is signed afresh")
            #expect(Set(deliveries.map(\.signature)).count == 3)
            for delivery in deliveries {
                try WebhookSignature(secrets: [harness.webhookSecret]).verify(payload: delivery.body, header: delivery.signature, now: Date())
            }
            try await harness.drain()
            let record = try await harness.raw(.get, "/_emulator/deliveries", apiKey: nil)
            let attempts = record.json["data"]?.arrayValue?.first?["attempts"]?.arrayValue ?? []
            #expect(attempts.compactMap { $0["status"]?.intValue } == [500, 503, 200])
            #expect(record.json["data"]?.arrayValue?.first?["state"] == "succeeded")
        }
    }

    @Test func givesUpAfterTheLastAttemptAndLeavesTheEventUndelivered() async throws {
        try await EmulatorHarness.run(maxAttempts: 3) { harness in
            harness.receiver.failNext([500, 500, 500, 500])
            let product = try await harness.client.createProduct(["name": "Never acknowledged"])
            _ = try await harness.receiver.waitFor("three attempts") { $0.count == 3 }
            try await Task.sleep(for: .milliseconds(500))
            #expect(harness.receiver.deliveries.count == 3, "no fourth attempt")
            let undelivered = try await harness.client.listEvents(["delivery_success": "false"])
            #expect(undelivered.data.first?.objectID == product.id)
        }
    }

    @Test func duplicatesEveryDeliveryWhenAsked() async throws {
        try await EmulatorHarness.run { harness in
            try await harness.control("/faults", ["duplicate": 3])
            _ = try await harness.client.createProduct(["name": "Thrice"])
            let deliveries = try await harness.receiver.waitFor("three copies") { $0.count == 3 }
            #expect(Set(deliveries.map(\.eventID)).count == 1)
            try await Task.sleep(for: .milliseconds(200))
            #expect(harness.receiver.deliveries.count == 3)
        }
    }

    @Test func shufflesDeliveriesWithinAWindow() async throws {
        try await EmulatorHarness.run { harness in
            try await harness.control("/faults", ["shuffle_window": 12, "shuffle_hold_ms": 2000])
            var created: [String] = []
            for index in 0..<12 { created.append(try await harness.client.createProduct(["name": .string("P\(index)")]).id) }
            let deliveries = try await harness.receiver.waitFor("twelve") { $0.count == 12 }
            let received = deliveries.compactMap { $0.event["data"]?["object"]?["id"]?.stringValue }
            #expect(Set(received) == Set(created))
            #expect(received != created, "the order is shuffled")
        }
    }

    @Test func delaysDeliveries() async throws {
        try await EmulatorHarness.run { harness in
            try await harness.control("/faults", ["delay_ms": 400])
            let start = Date()
            _ = try await harness.client.createProduct(["name": "Late"])
            let delivery = try #require(try await harness.receiver.waitFor("one") { !$0.isEmpty }.first)
            #expect(delivery.receivedAt.timeIntervalSince(start) >= 0.4)
        }
    }

    @Test func failsTheFirstAttemptsWithoutReachingTheEndpoint() async throws {
        try await EmulatorHarness.run { harness in
            try await harness.control("/faults", ["fail_first": 2])
            _ = try await harness.client.createProduct(["name": "Third time"])
            _ = try await harness.receiver.waitFor("one") { !$0.isEmpty }
            try await harness.drain()
            #expect(harness.receiver.deliveries.count == 1)
            let record = try await harness.raw(.get, "/_emulator/deliveries", apiKey: nil)
            let attempts = record.json["data"]?.arrayValue?.first?["attempts"]?.arrayValue ?? []
            #expect(attempts.map { $0["injected"] } == [true, true, false])
        }
    }

    @Test func dropsDeliveriesSoThatOnlyTheEventsListHasThem() async throws {
        try await EmulatorHarness.run { harness in
            try await harness.control("/faults", ["drop_rate": "1"])
            let product = try await harness.client.createProduct(["name": "Lost"])
            try await harness.drain()
            try await Task.sleep(for: .milliseconds(200))
            #expect(harness.receiver.deliveries.isEmpty)
            let missed = try await harness.client.listEvents(["delivery_success": "false"])
            #expect(missed.data.map(\.objectID) == [product.id])
            let record = try await harness.raw(.get, "/_emulator/deliveries", apiKey: nil)
            #expect(record.json["data"]?.arrayValue?.first?["state"] == "dropped")
        }
    }

    @Test func injectsAPIErrorsUntilReset() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let set = try await harness.control("/faults", ["api_error_rate": "1", "api_error_status": 500])
            #expect(set.json["api_error_rate"]?.numberValue == 1)
            let failing = try await harness.raw(.get, "/v1/products")
            #expect(failing.status == 500)
            #expect(failing.errorType == "api_error")
            let limited = try await harness.control("/faults", ["api_error_status": 429])
            #expect(limited.status == 200)
            #expect(try await harness.raw(.get, "/v1/products").status == 429)
            try await harness.control("/faults", ["reset": "true"])
            #expect(try await harness.raw(.get, "/v1/products").status == 200)
            let invalid = try await harness.control("/faults", ["drop_rate": "2"])
            #expect(invalid.status == 400)
        }
    }

    @Test func signsWithEveryActiveSecretDuringRotation() async throws {
        try await EmulatorHarness.run { harness in
            let endpoints = try await harness.client.listWebhookEndpoints()
            let endpointID = try #require(endpoints.data.first?.id)
            let rolled = try await harness.control("/webhook_endpoints/\(endpointID)/roll_secret", ["expires_in": 3600])
            let newSecret = try #require(rolled.json["secret"]?.stringValue)
            _ = try await harness.client.createProduct(["name": "Rotating"])
            let delivery = try #require(try await harness.receiver.waitFor("one") { !$0.isEmpty }.first)
            let header = try WebhookSignatureHeader(parsing: delivery.signature ?? "")
            #expect(header.v1Signatures.count == 2)
            try WebhookSignature(secrets: [harness.webhookSecret]).verify(payload: delivery.body, header: delivery.signature, now: Date())
            try WebhookSignature(secrets: [newSecret]).verify(payload: delivery.body, header: delivery.signature, now: Date())
            try await harness.control("/clock/advance", ["seconds": 3601])
            _ = try await harness.client.createProduct(["name": "After expiry"])
            let later = try await harness.receiver.waitFor("two") { $0.count == 2 }
            #expect(try WebhookSignatureHeader(parsing: later[1].signature ?? "").v1Signatures.count == 1)
            #expect(throws: WebhookSignatureError.signatureMismatch) {
                try WebhookSignature(secrets: [harness.webhookSecret]).verify(payload: later[1].body, header: later[1].signature, now: Date())
            }
        }
    }

    @Test func managesEndpointsAndSendsOnlyTheirEnabledEvents() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let endpoint = try await harness.client.createWebhookEndpoint(url: harness.receiverURL, enabledEvents: ["charge.succeeded"])
            #expect(endpoint.secret?.hasPrefix("whsec_") == true)
            #expect(endpoint.enabledEvents == ["charge.succeeded"])
            let listed = try await harness.client.listWebhookEndpoints()
            #expect(listed.data.map(\.id) == [endpoint.id])
            #expect(listed.data.first?.secret == nil, "the secret is shown only at creation")
            _ = try await harness.client.createProduct(["name": "Not sent"])
            let charge = try await harness.client.createCharge(["amount": 100, "currency": "usd", "source": "tok_visa"])
            let deliveries = try await harness.receiver.waitFor("charge") { !$0.isEmpty }
            try await harness.drain()
            #expect(harness.receiver.deliveries.map(\.eventType) == ["charge.succeeded"])
            #expect(deliveries.first?.event["data"]?["object"]?["id"]?.stringValue == charge.id)
            let deleted = try await harness.client.deleteWebhookEndpoint(endpoint.id)
            #expect(deleted.deleted)
            _ = try await harness.client.createCharge(["amount": 100, "currency": "usd", "source": "tok_visa"])
            try await harness.drain()
            #expect(harness.receiver.deliveries.count == 1, "nothing after deletion")
            let badURL = try await harness.raw(.post, "/v1/webhook_endpoints", ["url": "ftp://x", "enabled_events": ["*"]])
            #expect(badURL.status == 400)
            let noEvents = try await harness.raw(.post, "/v1/webhook_endpoints", ["url": "https://x.example"])
            #expect(noEvents.errorParam == "enabled_events")
        }
    }
}
