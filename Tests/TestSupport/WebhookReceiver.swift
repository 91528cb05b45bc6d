package import Foundation
import HTTPTypes
package import Hummingbird
import NIOCore
package import StripeAPI
import Synchronization

/// A webhook endpoint for tests: records every delivery (headers and raw body) and answers with a
/// scripted status (for example 500 for the first two attempts).
package final class WebhookReceiver: Sendable {
    package struct Delivery: Sendable {
        package var signature: String?
        package var body: Data
        package var receivedAt: Date

        package var event: JSONValue { (try? JSONValue.parse(body)) ?? .null }
        package var eventID: String { event["id"]?.stringValue ?? "" }
        package var eventType: String { event["type"]?.stringValue ?? "" }
    }

    private let state = Mutex<(deliveries: [Delivery], statuses: [Int])>(([], []))
    /// The header that carries the signature (`Stripe-Signature`, or `Fulfillment-Signature` for the service's
    /// own notifications to a merchant).
    private let signatureHeader: String

    package init(signatureHeader: String = "Stripe-Signature") {
        self.signatureHeader = signatureHeader
    }

    /// Answer 500 to everything until `recover()`.
    package func failAll() {
        state.withLock { $0.statuses = Array(repeating: 500, count: 1_000_000) }
    }

    package func recover() {
        state.withLock { $0.statuses = [] }
    }

    /// Answer these statuses, in order, before answering 200 to everything.
    package func failNext(_ statuses: [Int]) {
        state.withLock { $0.statuses.append(contentsOf: statuses) }
    }

    package var deliveries: [Delivery] { state.withLock { $0.deliveries } }

    package func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("webhook") { request, _ -> Response in
            var request = request
            let buffer = try await request.collectBody(upTo: 1 << 20)
            let status = self.state.withLock { state -> Int in
                state.deliveries.append(
                    Delivery(
                        signature: request.headers[HTTPField.Name(self.signatureHeader)!], body: Data(buffer.readableBytesView),
                        receivedAt: Date()))
                return state.statuses.isEmpty ? 200 : state.statuses.removeFirst()
            }
            return Response(status: .init(code: status))
        }
        return router
    }

    /// Waits until `condition` holds over the deliveries, or fails after `timeout`.
    package func waitFor(
        _ description: String, timeout: Duration = .seconds(10), _ condition: ([Delivery]) -> Bool
    ) async throws -> [Delivery] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let current = deliveries
            if condition(current) { return current }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw HarnessError.timedOut(description, deliveries.map(\.eventType))
    }
}

package enum HarnessError: Error {
    case timedOut(String, [String])
}
