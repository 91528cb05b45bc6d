/// Stripe's list envelope: one page of objects and whether more follow.
public struct StripeList<Element: Decodable & Sendable>: Decodable, Sendable {
    /// Always `list`.
    public var object: String
    /// This page, in the order Stripe returns it.
    public var data: [Element]
    /// Whether another page follows this one.
    public var hasMore: Bool
    /// The list's path, for example `/v1/checkout/sessions/cs_test_1/line_items`.
    public var url: String

    public init(data: [Element], hasMore: Bool, url: String) {
        self.object = "list"
        self.data = data
        self.hasMore = hasMore
        self.url = url
    }

    enum CodingKeys: String, CodingKey {
        case object, data, url
        case hasMore = "has_more"
    }
}
