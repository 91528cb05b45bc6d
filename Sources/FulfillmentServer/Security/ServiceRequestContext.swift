public import Hummingbird
public import NIOCore
import FulfillmentCore
import HTTPTypes

/// The request context of the service's routes: Hummingbird's basic context plus the client's address (for
/// per-client limits and the tracing middleware).
public struct ServiceRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

extension RequestContext {
    /// Who is asking, for per-client limits and the audit log: the peer's IP address (not its port), when the
    /// context knows it.
    var clientAddress: String {
        (self as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress ?? "unknown"
    }
}

extension HTTPFields {
    /// The customer's language as the browser asks for it (`Accept-Language`), else `fallback`.
    func browserLanguage(default fallback: CustomerLanguage) -> CustomerLanguage {
        CustomerLanguage.resolve(CustomerLanguage.preferred(acceptLanguage: self[.acceptLanguage]), default: fallback)
    }
}
