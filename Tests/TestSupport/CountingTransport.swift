package import StripeAPI
import Synchronization

/// The production transport, counting the service's requests to Stripe by path (for tests that check how
/// often the service asks).
package final class CountingTransport: StripeTransport {
    private let inner = AsyncHTTPClientTransport()
    private let paths = Mutex<[String]>([])

    package init() {}

    /// Every request's path (without the query), in order.
    package var requested: [String] { paths.withLock { $0 } }

    package func count(prefix: String) -> Int { requested.filter { $0.hasPrefix(prefix) }.count }

    package func send(_ request: StripeHTTPRequest, timeout: Duration) async throws -> StripeHTTPResponse {
        let path = request.url.split(separator: "?").first.map(String.init) ?? request.url
        let trimmed = path.firstRange(of: "/v1/").map { String(path[$0.lowerBound...]) } ?? path
        paths.withLock { $0.append(trimmed) }
        return try await inner.send(request, timeout: timeout)
    }
}
