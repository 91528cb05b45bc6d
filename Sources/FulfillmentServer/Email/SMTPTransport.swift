public import FulfillmentCore
public import Logging

/// Placeholder replaced below.
public struct SMTPTransport: EmailTransport {
    public init(host: String, port: Int, from: String, logger: Logger) {}
    public func send(_ email: QueuedEmail) async throws {}
}
