public import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Tracing

/// The production transport: one long-lived `HTTPClient` with an explicit deadline per request.
public struct AsyncHTTPClientTransport: StripeTransport {
    /// Stripe's responses are small; anything past this is treated as a broken response.
    public static let maximumResponseBytes = 16 * 1024 * 1024

    private let client: HTTPClient

    /// Uses `client` (by default `stripeShared`, which lives as long as the process and needs no shutdown).
    public init(client: HTTPClient = Self.stripeShared) {
        self.client = client
    }

    /// The process's client for Stripe: like `HTTPClient.shared`, but with up to 100 connections per host
    /// instead of 8. Over HTTP/2 (api.stripe.com) one connection carries many requests anyway; over HTTP/1.1
    /// (the emulator, a proxy) 8 connections would allow only 8 requests at once, and with Stripe answering in
    /// 250 ms that caps the service near 32 requests a second, whatever its worker concurrency and rate limit.
    /// 100 is as many as Stripe's rate limit could keep busy.
    public static let stripeShared: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 100
        // No spans of the client's own: `StripeClient` makes one per call (with its retries) and `send` puts its
        // trace context on every attempt, whenever the tracer was bootstrapped (this client may be made first).
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public func send(_ request: StripeHTTPRequest, timeout: Duration) async throws -> StripeHTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for header in request.headers {
            outgoing.headers.add(name: header.name, value: header.value)
        }
        // W3C trace context (`traceparent`) of the current span: Stripe's side of the call joins the trace.
        if let context = ServiceContext.current {
            InstrumentationSystem.instrument.inject(context, into: &outgoing.headers, using: ReplacingHeadersInjector())
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

/// Writes a propagation header once, replacing any earlier value.
private struct ReplacingHeadersInjector: Injector {
    func inject(_ value: String, forKey name: String, into headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: name, value: value)
    }
}
