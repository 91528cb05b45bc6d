public import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// The production transport: one long-lived `HTTPClient` with an explicit deadline per request.
public struct AsyncHTTPClientTransport: StripeTransport {
    /// Stripe's responses are small; anything past this is treated as a broken response.
    public static let maximumResponseBytes = 16 * 1024 * 1024

    private let client: HTTPClient

    /// Uses `client` (by default the process-wide shared client, which needs no shutdown).
    public init(client: HTTPClient = .shared) {
        self.client = client
    }

    public func send(_ request: StripeHTTPRequest, timeout: Duration) async throws -> StripeHTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for header in request.headers {
            outgoing.headers.add(name: header.name, value: header.value)
        }
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        let deadline = TimeAmount.nanoseconds(
            timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        do {
            let response = try await client.execute(outgoing, timeout: deadline)
            var buffer = try await response.body.collect(upTo: Self.maximumResponseBytes)
            let body = buffer.readBytes(length: buffer.readableBytes) ?? []
            var headers: [String: String] = [:]
            for (name, value) in response.headers where headers[name.lowercased()] == nil {
                headers[name.lowercased()] = value
            }
            return StripeHTTPResponse(status: Int(response.status.code), headers: headers, body: body)
        } catch let error as HTTPClientError
            where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
        {
            throw StripeTransportError.timeout
        } catch {
            throw StripeTransportError.connection(String(describing: error))
        }
    }
}
