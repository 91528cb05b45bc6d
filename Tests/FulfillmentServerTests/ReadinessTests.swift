import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import Synchronization
import TestSupport
import Testing

/// Liveness and readiness: live while the process answers; ready until it begins to stop, then `503 draining`
/// while its workers finish what they hold (the server still answering), so a load balancer sends no new work.
@Suite struct ReadinessTests {
    /// Stripe, through the real transport, except that reading a Checkout Session waits until the test lets go:
    /// a worker is then busy for as long as the test likes.
    final class HeldStripe: StripeTransport {
        private let inner = AsyncHTTPClientTransport()
        private let state = Mutex<(held: Int, released: Bool)>((0, false))

        var held: Int { state.withLock { $0.held } }

        func release() { state.withLock { $0.released = true } }

        func send(_ request: StripeHTTPRequest, timeout: Duration) async throws -> StripeHTTPResponse {
            if request.url.contains("/v1/checkout/sessions/cs_") {
                state.withLock { $0.held += 1 }
                while !state.withLock({ $0.released }) { try await Task.sleep(for: .milliseconds(20)) }
            }
            return try await inner.send(request, timeout: timeout)
        }
    }

    @Test func anInstanceIsReadyUntilItBeginsToStopThenDrainsWhileItsWorkersFinish() async throws {
        let stripe = HeldStripe()
        try await ServiceHarness.run(stripeTransport: stripe, configure: { $0.unreadyBeforeStop = .seconds(3) }) { harness in
            let ready = try await harness.get("/health/ready")
            #expect(ready.status == 200 && ready.json["status"] == "ready")
            #expect(try await harness.get("/health/live").status == 200)

            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(course.id, 1)], shipping: false)
            try await harness.pay(session)
            try await harness.eventually("a worker holds the session") { stripe.held > 0 }
            // SIGTERM, as the service group hears it: the worker is still busy, the server still answers.
            await harness.beginShutdown()
            try await harness.eventually("unready") { try await harness.get("/health/ready").status == 503 }
            let draining = try await harness.get("/health/ready")
            #expect(draining.json["status"] == "unready" && draining.json["reason"] == "draining")
            #expect(try await harness.get("/health/live").status == 200, "alive while it drains")
            stripe.release()
            // The held event is finished or released, never lost: it is fulfilled now, or by the next start.
            try? await harness.waitForStatus(session.id, .fulfilled)
        }
    }
}
