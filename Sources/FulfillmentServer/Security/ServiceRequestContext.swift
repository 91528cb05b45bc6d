public import Hummingbird
public import NIOCore

/// The request context of the service's routes: Hummingbird's basic context plus the client's address (for
/// per-client limits and the tracing middleware).
public struct ServiceRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Who is asking, for per-client limits: the peer's IP address (not its port).
    public var clientKey: String { remoteAddress?.ipAddress ?? "unknown" }
}
