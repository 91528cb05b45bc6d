/// One line of a Checkout Session (`object: "item"`, id `li_...`).
public struct LineItem: Decodable, Sendable, StripeIdentifiable {
    public var id: String
    public var amountDiscount: Int
    public var amountSubtotal: Int
    public var amountTax: Int
    public var amountTotal: Int
    public var currency: String
    public var description: String
    public var price: Price?
    /// The quantity the customer ended with (it may differ from the one requested, with adjustable quantities).
    public var quantity: Int?

    enum CodingKeys: String, CodingKey {
        case id, currency, description, price, quantity
        case amountDiscount = "amount_discount"
        case amountSubtotal = "amount_subtotal"
        case amountTax = "amount_tax"
        case amountTotal = "amount_total"
    }
}
