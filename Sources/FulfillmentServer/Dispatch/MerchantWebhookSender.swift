import AsyncHTTPClient
import Foundation
import FulfillmentCore
import NIOCore
import NIOHTTP1
import StripeAPI

/// Delivers the merchant's notifications: POSTs each one's JSON to `MERCHANT_WEBHOOK_URL`, signed as Stripe
/// signs webhooks (`Fulfillment-Signature: t=<unix time>,v1=<HMAC-SHA256 of "t.body" under the secret>`), so
/// the merchant verifies it with Stripe's own SDK helpers. Any 2xx is delivered; anything else (another
/// status, a refused connection, a timeout) is a failed attempt, retried by the dispatch worker.
struct MerchantWebhookSender: DispatchHandler {
    static let signatureHeader = "Fulfillment-Signature"

    let url: String
    let secret: String
    let timeout: Duration
    let now: @Sendable () -> Date
    let client: HTTPClient

    init(url: String, secret: String, timeout: Duration = .seconds(10), now: @escaping @Sendable () -> Date,
         client: HTTPClient = .shared) {
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.now = now
        self.client = client
    }

    func deliver(_ queued: QueuedDispatch) async throws {
        let payload = queued.dispatch.payload
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "StripeFulfillment/1.0 (+merchant notifications)")
        request.headers.add(
            name: Self.signatureHeader,
            value: WebhookSignature.header(payload: payload, secrets: [secret], timestamp: Int(now().timeIntervalSince1970)))
        request.body = .bytes(ByteBuffer(bytes: payload))
        let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.seconds * 1_000_000_000)))
        let body = try await response.body.collect(upTo: 4096)
        guard (200..<300).contains(response.status.code) else {
            throw MerchantEndpointError(status: Int(response.status.code), body: String(buffer: body))
        }
    }
}

/// The merchant's endpoint answered something other than 2xx.
struct MerchantEndpointError: Error, CustomStringConvertible {
    var status: Int
    var body: String
    var description: String { "merchant endpoint answered \(status): \(body.prefix(200))" }
}
