import StripeAPI

/// A product as the emulator stores it.
struct ProductRecord: Sendable {
    var id: String
    var created: Int
    var name: String
    var description: String?
    var active: Bool
    var metadata: [String: String]
    var images: [String]
    var shippable: Bool?
    var url: String?
    var defaultPrice: String?

    var json: JSONValue {
        [
            "id": .string(id), "object": "product", "active": .bool(active), "created": .int(created),
            "default_price": .string(defaultPrice), "description": .string(description), "features": [],
            "images": .array(images.map { .string($0) }), "livemode": false, "metadata": .stringMap(metadata),
            "name": .string(name), "package_dimensions": nil, "shippable": shippable.map { .bool($0) } ?? .null,
            "statement_descriptor": nil, "tax_code": nil, "unit_label": nil, "updated": .int(created),
            "url": .string(url),
        ]
    }
}

/// A price as the emulator stores it: per unit, one-time or recurring (every `intervalCount` `interval`s).
struct PriceRecord: Sendable {
    /// How often a recurring price bills.
    struct Recurring: Sendable, Hashable {
        var interval: String
        var intervalCount: Int

        static let intervals: Set<String> = ["day", "week", "month", "year"]
    }

    var id: String
    var created: Int
    var productID: String
    var currency: String
    var unitAmount: Int
    var active: Bool
    var metadata: [String: String]
    var nickname: String?
    var lookupKey: String?
    var recurring: Recurring? = nil

    var json: JSONValue {
        [
            "id": .string(id), "object": "price", "active": .bool(active), "billing_scheme": "per_unit",
            "created": .int(created), "currency": .string(currency), "custom_unit_amount": nil, "livemode": false,
            "lookup_key": .string(lookupKey), "metadata": .stringMap(metadata), "nickname": .string(nickname),
            "product": .string(productID),
            "recurring": recurring.map { recurring in
                [
                    "interval": .string(recurring.interval), "interval_count": .int(recurring.intervalCount), "usage_type": "licensed",
                    "aggregate_usage": nil, "meter": nil, "trial_period_days": nil,
                ]
            } ?? .null,
            "tax_behavior": "unspecified", "tiers_mode": nil,
            "transform_quantity": nil, "type": recurring == nil ? "one_time" : "recurring", "unit_amount": .int(unitAmount),
            "unit_amount_decimal": .string(String(unitAmount)),
        ]
    }
}
