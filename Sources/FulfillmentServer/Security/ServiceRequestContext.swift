public import Hummingbird
public import NIOCore
import FulfillmentCore
import HTTPTypes

/// The request context of the service's routes: Hummingbird's basic context plus the TCP peer's address
/// (from which `Doors.client` tells who the client is, through `TRUSTED_PROXIES`).
public struct ServiceRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

extension HTTPFields {
    /// The customer's language as the browser asks for it (`Accept-Language`), else `fallback`.
    func browserLanguage(default fallback: CustomerLanguage) -> CustomerLanguage {
        CustomerLanguage.resolve(CustomerLanguage.preferred(acceptLanguage: self[.acceptLanguage]), default: fallback)
    }
}
