import StripeAPI
import TestSupport
import Testing

@Suite struct IdempotencyTests {
    let chargeForm: FormValue = ["amount": 1000, "currency": "usd", "source": "tok_visa", "metadata": ["order_id": "ord_1"]]

    @Test func replaysTheFirstResponseForTheSameKeyAndParameters() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let first = try await harness.raw(.post, "/v1/charges", chargeForm, headers: [("Idempotency-Key", "ord_1")])
            // The same parameters in another order are the same request.
            let reordered: FormValue = ["metadata": ["order_id": "ord_1"], "source": "tok_visa", "currency": "usd", "amount": 1000]
            let second = try await harness.raw(.post, "/v1/charges", reordered, headers: [("Idempotency-Key", "ord_1")])
            #expect(first.status == 200 && second.status == 200)
            #expect(first.json == second.json)
            #expect(first.header("Idempotent-Replayed") == nil)
            #expect(second.header("Idempotent-Replayed") == "true")
            #expect(first.header("Request-Id") != second.header("Request-Id"))
            let charges = try await harness.raw(.get, "/v1/charges")
            #expect(charges.json["data"]?.arrayValue?.count == 1, "one charge, not two")
        }
    }

    @Test func refusesTheSameKeyWithOtherParameters() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            _ = try await harness.raw(.post, "/v1/charges", chargeForm, headers: [("Idempotency-Key", "ord_2")])
            let other = try await harness.raw(
                .post, "/v1/charges", ["amount": 999, "currency": "usd", "source": "tok_visa"], headers: [("Idempotency-Key", "ord_2")])
            #expect(other.status == 400)
            #expect(other.errorType == "idempotency_error")
            let otherEndpoint = try await harness.raw(.post, "/v1/customers", headers: [("Idempotency-Key", "ord_2")])
            #expect(otherEndpoint.errorType == "idempotency_error")
        }
    }

    @Test func answers409WhileTheKeyIsInFlight() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            // Slow enough that the retries below meet the first request in flight even when the parallel suite
            // stalls this process for a few seconds.
            try await harness.control("/faults", ["api_latency_ms": 6000])
            let slow = Task { try await harness.raw(.post, "/v1/charges", chargeForm, headers: [("Idempotency-Key", "ord_3")]) }
            // Retries with the same key while the first is in flight: each one must be refused, never run.
            var statuses: [Int] = []
            var codes: [String?] = []
            let deadline = ContinuousClock.now + .seconds(4.5)
            while ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                let concurrent = try await harness.raw(.post, "/v1/charges", chargeForm, headers: [("Idempotency-Key", "ord_3")])
                statuses.append(concurrent.status)
                codes.append(concurrent.errorCode)
                if concurrent.status != 409 { break }
            }
            let first = try await slow.value
            #expect(statuses.contains(409), "some retry met the key in flight: \(statuses)")
            #expect(codes.contains("idempotency_key_in_use"))
            #expect(first.status == 200)
            try await harness.control("/faults", ["reset": "true"])
            let retry = try await harness.raw(.post, "/v1/charges", chargeForm, headers: [("Idempotency-Key", "ord_3")])
            #expect(retry.header("Idempotent-Replayed") == "true")
            #expect(retry.json["id"] == first.json["id"])
            let charges = try await harness.raw(.get, "/v1/charges")
            #expect(charges.json["data"]?.arrayValue?.count == 1, "exactly one charge")
        }
    }

    @Test func replaysADeclineButNotAValidationError() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let declined: FormValue = ["amount": 100, "currency": "usd", "source": "tok_chargeDeclined"]
            let first = try await harness.raw(.post, "/v1/charges", declined, headers: [("Idempotency-Key", "k-decline")])
            let second = try await harness.raw(.post, "/v1/charges", declined, headers: [("Idempotency-Key", "k-decline")])
            #expect(first.status == 402 && second.status == 402)
            #expect(second.header("Idempotent-Replayed") == "true")
            #expect(first.json == second.json)
            let invalid: FormValue = ["amount": 100, "currency": "usd"]
            let rejected = try await harness.raw(.post, "/v1/charges", invalid, headers: [("Idempotency-Key", "k-invalid")])
            #expect(rejected.status == 400)
            let fixed = try await harness.raw(
                .post, "/v1/charges", ["amount": 100, "currency": "usd", "source": "tok_visa"], headers: [("Idempotency-Key", "k-invalid")])
            #expect(fixed.status == 200, "a request that failed validation never ran, so its key is free")
        }
    }

    @Test func theClientReusesOneKeyAcrossRetriesSoInjectedFailuresChargeOnce() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            try await harness.control("/faults", ["api_error_count": 2, "api_error_status": 503])
            let client = StripeClient(
                configuration: StripeClientConfiguration(
                    apiKey: "sk_test_retry", apiBase: harness.baseURL,
                    retryPolicy: RetryPolicy(maxRetries: 3, initialDelay: .milliseconds(1), maxDelay: .milliseconds(5))))
            let charge = try await client.createCharge(chargeForm, idempotencyKey: "ord_retry")
            #expect(charge.status == .succeeded)
            let charges = try await harness.raw(.get, "/v1/charges")
            #expect(charges.json["data"]?.arrayValue?.count == 1)
        }
    }
}
