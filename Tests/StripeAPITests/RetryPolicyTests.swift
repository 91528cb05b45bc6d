import StripeAPI
import Testing

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxRetries: 3)

    @Test(arguments: [409, 500, 502, 503, 504])
    func retriesConflictsAndServerErrors(status: Int) {
        #expect(policy.shouldRetry(.response(status: status, shouldRetryHeader: nil), retriesSoFar: 0))
    }

    @Test(arguments: [400, 401, 402, 403, 404])
    func doesNotRetryClientErrors(status: Int) {
        #expect(!policy.shouldRetry(.response(status: status, shouldRetryHeader: nil), retriesSoFar: 0))
    }

    @Test func obeysStripeShouldRetryInBothDirections() {
        #expect(policy.shouldRetry(.response(status: 400, shouldRetryHeader: "true"), retriesSoFar: 0))
        #expect(!policy.shouldRetry(.response(status: 500, shouldRetryHeader: "false"), retriesSoFar: 0))
        #expect(!policy.shouldRetry(.response(status: 429, shouldRetryHeader: "false"), retriesSoFar: 0))
    }

    @Test func retriesRateLimitsOnABudgetOfTheirOwn() {
        let rateLimited = RetryPolicy.Outcome.response(status: 429, shouldRetryHeader: nil)
        // The ordinary budget (3) is spent, yet 429s still retry until their own (6) is.
        #expect(policy.shouldRetry(rateLimited, retriesSoFar: 3, rateLimitedSoFar: 0))
        #expect(policy.shouldRetry(rateLimited, retriesSoFar: 8, rateLimitedSoFar: 5))
        #expect(!policy.shouldRetry(rateLimited, retriesSoFar: 9, rateLimitedSoFar: 6))
        // And 429s do not use up the ordinary budget.
        #expect(policy.shouldRetry(.response(status: 503, shouldRetryHeader: nil), retriesSoFar: 5, rateLimitedSoFar: 4))
        #expect(!RetryPolicy(maxRetries: 0).shouldRetry(rateLimited, retriesSoFar: 0), "no retries means none")
    }

    @Test func retriesNetworkErrorsAndTimeoutsUntilTheLimit() {
        #expect(policy.shouldRetry(.transportFailure(.timeout), retriesSoFar: 2))
        #expect(policy.shouldRetry(.transportFailure(.connection("reset")), retriesSoFar: 0))
        #expect(!policy.shouldRetry(.transportFailure(.timeout), retriesSoFar: 3))
    }

    @Test func backoffDoublesIsCappedAndJitterStaysWithinHalfToFull() {
        for retry in 1...8 {
            let ceiling = min(Duration.milliseconds(500) * (1 << (retry - 1)), .seconds(5))
            let low = policy.delay(beforeRetry: retry, retryAfterHeader: nil, jitter: 0)
            let high = policy.delay(beforeRetry: retry, retryAfterHeader: nil, jitter: 0.999_999)
            #expect(low >= .milliseconds(500), "never below the initial delay")
            #expect(low >= ceiling / 2 && high <= ceiling, "retry \(retry): \(low)...\(high) within half..full of \(ceiling)")
        }
        #expect(policy.delay(beforeRetry: 10, retryAfterHeader: nil, jitter: 0.999_999) <= .seconds(5))
    }

    @Test func honoursRetryAfterUpToSixtySeconds() {
        #expect(policy.delay(beforeRetry: 1, retryAfterHeader: "7", jitter: 0) == .seconds(7))
        // A longer wait than the cap is ignored in favour of the computed backoff.
        #expect(policy.delay(beforeRetry: 1, retryAfterHeader: "120", jitter: 0) < .seconds(1))
        // A shorter Retry-After never shortens the backoff.
        #expect(policy.delay(beforeRetry: 4, retryAfterHeader: "0", jitter: 0) >= .seconds(2))
    }
}
