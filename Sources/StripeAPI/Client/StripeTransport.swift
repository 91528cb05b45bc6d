/// One HTTP exchange with Stripe, below retries and decoding. Production uses `AsyncHTTPClientTransport`;
/// tests script a transport to check retries, headers and error mapping without a network.
public protocol StripeTransport: Sendable {
    /// Sends `request` and returns the whole response, or throws `StripeTransportError`.
    func send(_ request: StripeHTTPRequest, timeout: Duration) async throws -> StripeHTTPResponse
}

/// An HTTP method the Stripe API uses.
public enum StripeHTTPMethod: String, Sendable, Hashable {
    case get = "GET"
    case post = "POST"
    case delete = "DELETE"
}

/// A request as the transport sends it.
public struct StripeHTTPRequest: Sendable {
    public var method: StripeHTTPMethod
    /// The absolute URL, query included.
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?

    public init(method: StripeHTTPMethod, url: String, headers: [(name: String, value: String)], body: [UInt8]?) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, matched case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A response as the transport returns it.
public struct StripeHTTPResponse: Sendable {
    public var status: Int
    /// Header values by lowercased name.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.body = body
    }

    /// A header value, matched case-insensitively.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A failure below HTTP: nothing (or nothing whole) came back.
public enum StripeTransportError: Error, Sendable, Hashable {
    /// No complete response within the timeout.
    case timeout
    /// The connection could not be made or broke; the text says how.
    case connection(String)
}
