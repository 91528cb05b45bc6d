/// A product: what is sold. Its metadata can say how to fulfil it.
public struct Product: Decodable, Sendable, StripeIdentifiable {
    public var id: String
    public var active: Bool
    public var created: Int
    public var description: String?
    public var images: [String]?
    public var livemode: Bool
    public var metadata: [String: String]
    public var name: String
    public var shippable: Bool?
    public var url: String?

    enum CodingKeys: String, CodingKey {
        case id, active, created, description, images, livemode, metadata, name, shippable, url
    }
}
