/// A price for a product, in the currency's minor unit.
public struct Price: Decodable, Sendable, StripeIdentifiable {
    public var id: String
    public var active: Bool
    public var created: Int
    public var currency: String
    public var livemode: Bool
    public var metadata: [String: String]
    public var nickname: String?
    /// The product's id, or the product itself when expanded (`line_items.data.price.product`).
    public var product: Expandable<Product>
    public var type: PriceType
    public var unitAmount: Int?

    enum CodingKeys: String, CodingKey {
        case id, active, created, currency, livemode, metadata, nickname, product, type
        case unitAmount = "unit_amount"
    }
}

/// `one_time` or `recurring` (or a value added later).
public struct PriceType: StripeEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let oneTime: Self = "one_time"
    public static let recurring: Self = "recurring"
}
