/// An event destination (`v2.core.event_destination`): where Stripe sends thin (or snapshot) events, and which.
public struct EventDestination: Decodable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var enabledEvents: [String]
    /// `thin` or `snapshot`.
    public var eventPayload: String
    /// `enabled` or `disabled`.
    public var status: String
    public var webhookEndpoint: Webhook?

    public struct Webhook: Decodable, Sendable, Hashable {
        /// Only when asked for (`include[]=webhook_endpoint.url`).
        public var url: String?
        /// Only on creation, when asked for (`include[]=webhook_endpoint.signing_secret`).
        public var signingSecret: String?

        enum CodingKeys: String, CodingKey {
            case url
            case signingSecret = "signing_secret"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, name, status
        case enabledEvents = "enabled_events"
        case eventPayload = "event_payload"
        case webhookEndpoint = "webhook_endpoint"
    }
}

/// A v2 list: a page of `data` and the URL of the next page, if any.
struct V2List<Element: Decodable>: Decodable {
    var data: [Element]
    var nextPageURL: String?

    enum CodingKeys: String, CodingKey {
        case data
        case nextPageURL = "next_page_url"
    }
}
