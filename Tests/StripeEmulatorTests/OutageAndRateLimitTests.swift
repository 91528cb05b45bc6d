import Foundation
import StripeAPI
import TestSupport
import Testing

/// What the service must survive, as Stripe does it: an endpoint that fails is retried for about three days
/// of Stripe's time and then given up; a refused connection fails its attempt at once; past the rate limit,
/// 429 in Stripe's error envelope.
@Suite struct OutageAndRateLimitTests {
    @Test func aFailingEndpointIsRetriedForThreeDaysThenGivenUpAndListedUndelivered() async throws {
        try await EmulatorHarness.run(maxAttempts: .max) { harness in
            harness.receiver.failNext(Array(repeating: 503, count: 500))
            let product = try await harness.client.createProduct(["name": "Outage"])
            _ = try await harness.receiver.waitFor("a few attempts") { $0.count >= 4 }
            var deliveries = try await harness.raw(.get, "/_emulator/deliveries", apiKey: nil)
            // Still retried within the window: waiting for its next attempt, or in one right now.
            let state = deliveries.json["data"]?.arrayValue?.first?["state"]?.stringValue
            #expect(state == "pending" || state == "in_flight", "still retried within the window, not \(state ?? "-")")
            // Stripe's clock moves past the three days: one more attempt fails, and the delivery is given up.
            try await harness.control("/clock/advance", ["seconds": .int(3 * 24 * 3600 + 60)])
            try await harness.drain()
            deliveries = try await harness.raw(.get, "/_emulator/deliveries", apiKey: nil)
            let delivery = try #require(deliveries.json["data"]?.arrayValue?.first)
            #expect(delivery["state"] == "failed")
            let attempts = delivery["attempts"]?.arrayValue?.count ?? 0
            try await Task.sleep(for: .milliseconds(300))
            #expect(harness.receiver.deliveries.count == attempts, "no attempt after giving up")
            let undelivered = try await harness.client.listEvents(["delivery_success": "false", "type": "product.created"])
            #expect(undelivered.data.map(\.objectID) == [product.id])
        }
    }

    @Test func anEndpointThatRefusesTheConnectionFailsEachAttemptAtOnce() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false, retryBase: .milliseconds(100), maxAttempts: .max) { harness in
            // A loopback port nobody listens on.
            let port = try PostgresTestServer.freePort()
            _ = try await harness.client.createWebhookEndpoint(url: "http://127.0.0.1:\(port)/webhook", enabledEvents: ["product.created"])
            _ = try await harness.client.createProduct(["name": "Nobody home"])
            // Three attempts, 100 and 200 ms apart: waiting out a connect timeout (10 s) each, they would take over
            // 20 s; failing at once, well under the 9 s allowed here even on a loaded machine.
            let started = ContinuousClock.now
            var attempts: [JSONValue] = []
            while attempts.count < 3, ContinuousClock.now - started < .seconds(9) {
                try await Task.sleep(for: .milliseconds(50))
                let deliveries = try await harness.raw(.get, "/_emulator/deliveries", apiKey: nil)
                attempts = deliveries.json["data"]?.arrayValue?.first?["attempts"]?.arrayValue ?? []
            }
            #expect(attempts.count >= 3, "\(attempts.count) attempts in 9 s")
            #expect(attempts.allSatisfy { $0["status"] == .null && $0["error"]?.stringValue != nil })
        }
    }

    @Test func refusesRequestsPastTheRateLimitInStripesEnvelopeAndCountsThem() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            // One a second: however long a loaded machine takes to send the thirty, most are refused.
            try await harness.control("/faults", ["rate_limit": 1])
            let started = ContinuousClock.now
            let replies = try await withThrowingTaskGroup(of: EmulatorHarness.RawResponse.self) { group in
                for _ in 0..<30 { group.addTask { try await harness.raw(.get, "/v1/products", ["limit": 1]) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let elapsed = (ContinuousClock.now - started).seconds
            let refused = replies.filter { $0.status == 429 }
            let served = replies.filter { $0.status == 200 }.count
            // A bucket of 1 that refills at 1 per second: at most 1 + elapsed get through.
            #expect(Double(served) <= 1 + elapsed + 1, "\(served) served in \(elapsed) s")
            #expect(served + refused.count == 30 && !refused.isEmpty)
            #expect(refused.allSatisfy { $0.errorCode == "rate_limit" && $0.errorType == "invalid_request_error" })
            let faults = try await harness.raw(.get, "/_emulator/faults", apiKey: nil)
            #expect(faults.json["rate_limited_requests"]?.intValue == refused.count)
            // A refused POST is not kept under its idempotency key: once the bucket refills, it goes through.
            for _ in 0..<10 {
                _ = try await harness.raw(.post, "/v1/customers", ["email": "a@example.com"], headers: [("Idempotency-Key", "limited-1")])
            }
            try await Task.sleep(for: .milliseconds(1100))
            let created = try await harness.raw(.post, "/v1/customers", ["email": "a@example.com"], headers: [("Idempotency-Key", "limited-1")])
            #expect(created.status == 200)
        }
    }

    @Test func aClientPacedUnderTheLimitIsNeverRefusedAndOneWithoutItRecoversBy429Retries() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            try await harness.control("/faults", ["rate_limit": 10])
            try await Task.sleep(for: .milliseconds(1100))
            let paced = StripeClient(
                configuration: StripeClientConfiguration(
                    apiKey: "sk_test_paced", apiBase: harness.baseURL, pacer: RequestPacer(rate: 3, burst: 1)))
            // Paced well under the limit, and more requests (12) than the emulator's bucket holds (10): unpaced
            // they would meet 429s at once. The emulator shares this process with every other test running in
            // parallel; its bucket absorbs over three seconds of paced requests bunched by such a stall (at 5/s,
            // two seconds were not always enough on two loaded cores).
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<12 { group.addTask { _ = try await paced.listEvents(["limit": 1]) } }
                try await group.waitForAll()
            }
            var faults = try await harness.raw(.get, "/_emulator/faults", apiKey: nil)
            #expect(faults.json["rate_limited_requests"]?.intValue == 0, "paced under the limit: no 429 at all")

            // Without pacing, a burst meets 429s. The limit drops to 2 a second, so that even a burst a loaded
            // machine spreads over seven seconds still exceeds it (at 10 a second, 24 requests spread over more
            // than 1.4 s met none on a busy run).
            try await harness.control("/faults", ["rate_limit": 2])
            // Twenty-four requests at 2 a second take twelve seconds however they retry: the client's budget of
            // rate-limit retries is raised from 6 (nine seconds of waits at least) so that each one outlasts the
            // queue (with 6, a loaded run saw the last few give up).
            let unpaced = StripeClient(
                configuration: StripeClientConfiguration(
                    apiKey: "sk_test_unpaced", apiBase: harness.baseURL, retryPolicy: RetryPolicy(maxRateLimitRetries: 20)))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<24 { group.addTask { _ = try await unpaced.listEvents(["limit": 1]) } }
                try await group.waitForAll()
            }
            faults = try await harness.raw(.get, "/_emulator/faults", apiKey: nil)
            #expect((faults.json["rate_limited_requests"]?.intValue ?? 0) > 0, "a burst without pacing meets 429s, and retries through them")
        }
    }
}
