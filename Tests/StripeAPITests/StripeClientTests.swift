import Foundation
import StripeAPI
import Testing

@Suite struct StripeClientTests {
    @Test func sendsAuthVersionAndAFormBodyWithAnIdempotencyKey() async throws {
        let transport = ScriptedTransport([.respond(status: 200, headers: ["Request-Id": "req_1"], body: sessionBody)])
        let session = try await makeClient(transport).createCheckoutSession(
            ["mode": "payment", "metadata": ["order": "7"]], idempotencyKey: "order-7")
        #expect(session.id == "cs_test_1")
        let request = try #require(transport.requests.first)
        #expect(request.method == .post)
        #expect(request.url == "http://stripe.test/v1/checkout/sessions")
        #expect(request.header("Authorization") == "Bearer sk_test_123")
        #expect(request.header("Stripe-Version") == "2026-10-28.endive")
        #expect(request.header("Idempotency-Key") == "order-7")
        #expect(request.header("Content-Type") == "application/x-www-form-urlencoded")
        #expect(String(decoding: request.body ?? [], as: UTF8.self) == "mode=payment&metadata[order]=7")
    }

    @Test func generatesAnIdempotencyKeyForEveryPostButNotForGets() async throws {
        let transport = ScriptedTransport([
            .respond(status: 200, body: sessionBody), .respond(status: 200, body: sessionBody),
        ])
        let client = makeClient(transport)
        _ = try await client.expireCheckoutSession("cs_test_1")
        _ = try await client.retrieveCheckoutSession("cs_test_1", expand: ["line_items"])
        #expect(transport.requests[0].header("Idempotency-Key") == "generated-key")
        #expect(transport.requests[1].header("Idempotency-Key") == nil)
        #expect(transport.requests[1].url == "http://stripe.test/v1/checkout/sessions/cs_test_1?expand[]=line_items")
        #expect(transport.requests[1].body == nil)
    }

    @Test func reusesTheSameIdempotencyKeyAcrossRetries() async throws {
        let transport = ScriptedTransport([
            .fail(.timeout),
            .respond(status: 500, body: errorBody),
            .respond(status: 200, body: sessionBody),
        ])
        let sleeps = RecordedSleeps()
        _ = try await makeClient(transport, sleeps: sleeps).expireCheckoutSession("cs_test_1")
        #expect(transport.requests.count == 3)
        #expect(Set(transport.requests.compactMap { $0.header("Idempotency-Key") }) == ["generated-key"])
        #expect(sleeps.all.count == 2)
        #expect(sleeps.all[1] > sleeps.all[0], "backoff grows")
    }

    @Test func stopsAfterMaxRetriesAndReportsStripesError() async throws {
        let transport = ScriptedTransport(Array(repeating: .respond(status: 503, headers: ["Request-Id": "req_9"], body: errorBody), count: 5))
        await #expect {
            _ = try await makeClient(transport, maxRetries: 2).retrieveCheckoutSession("cs_test_1")
        } throws: { error in
            guard let error = error as? StripeError else { return false }
            return error.httpStatus == 503 && error.requestID == "req_9" && error.kind == .api
        }
        #expect(transport.requests.count == 3)
    }

    @Test func doesNotRetryADeclineAndExposesItsFields() async throws {
        let body = #"{"error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline","message":"Your card was declined.","charge":"ch_9"}}"#
        let transport = ScriptedTransport([.respond(status: 402, headers: ["Request-Id": "req_2"], body: body)])
        do {
            _ = try await makeClient(transport).createCharge(["amount": 100], idempotencyKey: "order-1")
            Issue.record("expected a card error")
        } catch let error as StripeError {
            #expect(error.kind == .card)
            #expect(error.details.code == "card_declined")
            #expect(error.details.declineCode == "generic_decline")
            #expect(error.details.charge == "ch_9")
            #expect(error.requestID == "req_2")
            #expect(error.idempotencyKey == "order-1")
        }
        #expect(transport.requests.count == 1)
    }

    @Test func retriesRateLimitsWithBackoffOnTheirOwnBudgetAndWaitsRetryAfter() async throws {
        let rateLimited = #"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests"}}"#
        let transport = ScriptedTransport([
            .respond(status: 503, body: errorBody),
            .respond(status: 429, headers: ["Retry-After": "3"], body: rateLimited),
            .respond(status: 429, body: rateLimited),
            .respond(status: 429, body: rateLimited),
            .respond(status: 200, body: sessionBody),
        ])
        let sleeps = RecordedSleeps()
        // Only one ordinary retry is allowed, yet the 429s that follow the 503 are retried on their own count.
        let session = try await makeClient(transport, sleeps: sleeps, maxRetries: 1).retrieveCheckoutSession("cs_test_1")
        #expect(session.id == "cs_test_1")
        #expect(transport.requests.count == 5)
        // 503: first backoff; 429s: Retry-After, then their own doubling backoff (jitter 0.5: three quarters).
        #expect(sleeps.all == [.milliseconds(500), .seconds(3), .milliseconds(750), .milliseconds(1500)])
    }

    @Test func givesUpOnARateLimitWhenStripeSaysNotToRetry() async throws {
        let rateLimited = #"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests"}}"#
        let transport = ScriptedTransport([.respond(status: 429, headers: ["Stripe-Should-Retry": "false"], body: rateLimited)])
        await #expect {
            _ = try await makeClient(transport).retrieveCheckoutSession("cs_test_1")
        } throws: { error in
            (error as? StripeError)?.httpStatus == 429 && (error as? StripeError)?.details.code == "rate_limit"
        }
        #expect(transport.requests.count == 1)
    }

    @Test func reportsTransportFailureAfterTheLastAttempt() async throws {
        let transport = ScriptedTransport([.fail(.connection("refused")), .fail(.connection("refused"))])
        await #expect {
            _ = try await makeClient(transport, maxRetries: 1).retrieveCheckoutSession("cs_test_1")
        } throws: { error in
            guard case .transport(_, let attempts) = error as? StripeClientError else { return false }
            return attempts == 2
        }
    }

    @Test func reportsANonStripeErrorBodyAsAnInvalidResponse() async throws {
        let transport = ScriptedTransport([.respond(status: 404, body: "<html>nope</html>")])
        await #expect(throws: StripeClientError.self) {
            _ = try await makeClient(transport).retrieveCheckoutSession("cs_test_1")
        }
    }

    @Test func escapesIdsUsedInPaths() async throws {
        let transport = ScriptedTransport([.respond(status: 200, body: sessionBody)])
        _ = try await makeClient(transport).retrieveCheckoutSession("cs_../../v1/charges?x=1")
        #expect(transport.requests[0].url == "http://stripe.test/v1/checkout/sessions/cs_..%2F..%2Fv1%2Fcharges%3Fx%3D1")
    }
}
