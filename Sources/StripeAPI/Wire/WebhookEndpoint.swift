/// A registered webhook endpoint. `secret` is returned only when the endpoint is created.
public struct WebhookEndpoint: Decodable, Sendable, StripeIdentifiable {
    public var id: String
    public var created: Int
    public var enabledEvents: [String]
    public var livemode: Bool
    public var metadata: [String: String]
    public var secret: String?
    public var status: String
    public var url: String
    /// A Connect endpoint: it receives the connected accounts' events.
    public var connect: Bool?

    enum CodingKeys: String, CodingKey {
        case id, created, livemode, metadata, secret, status, url, connect
        case enabledEvents = "enabled_events"
    }
}

/// The answer to deleting an object: its id and `deleted: true`.
public struct DeletedObject: Decodable, Sendable, StripeIdentifiable {
    public var id: String
    public var object: String
    public var deleted: Bool
}
