package import StripeAPI
import Synchronization

/// The production transport, counting the service's requests to Stripe by path (for tests that check how
/// often the service asks), with the connected account each named (`Stripe-Account`) and Stripe's answer.
package final class CountingTransport: StripeTransport {
    /// One request: its path (without the query), the account it named and the status Stripe answered.
    package struct Sent: Sendable {
        package var path: String
        package var account: String?
        package var status: Int?
    }

    private let inner = AsyncHTTPClientTransport()
    private let log = Mutex<[Sent]>([])

    package init() {}

    /// Every request's path (without the query), in order.
    package var requested: [String] { sent.map(\.path) }

    /// Every request, in the order it was answered.
    package var sent: [Sent] { log.withLock { $0 } }

    package func count(prefix: String) -> Int { requested.filter { $0.hasPrefix(prefix) }.count }

    package func send(_ request: StripeHTTPRequest, timeout: Duration) async throws -> StripeHTTPResponse {
        let path = request.url.split(separator: "?").first.map(String.init) ?? request.url
        let trimmed = path.firstRange(of: "/v1/").map { String(path[$0.lowerBound...]) } ?? path
        let account = request.headers.first { $0.name.lowercased() == "stripe-account" }?.value
        do {
            let response = try await inner.send(request, timeout: timeout)
            log.withLock { $0.append(Sent(path: trimmed, account: account, status: response.status)) }
            return response
        } catch {
            log.withLock { $0.append(Sent(path: trimmed, account: account, status: nil)) }
            throw error
        }
    }
}
