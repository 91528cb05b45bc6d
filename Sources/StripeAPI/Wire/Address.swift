/// A postal address; every field may be absent.
public struct Address: Codable, Sendable, Hashable {
    public var city: String?
    public var country: String?
    public var line1: String?
    public var line2: String?
    public var postalCode: String?
    public var state: String?

    public init(
        city: String? = nil, country: String? = nil, line1: String? = nil, line2: String? = nil,
        postalCode: String? = nil, state: String? = nil
    ) {
        self.city = city
        self.country = country
        self.line1 = line1
        self.line2 = line2
        self.postalCode = postalCode
        self.state = state
    }

    enum CodingKeys: String, CodingKey {
        case city, country, line1, line2, state
        case postalCode = "postal_code"
    }
}

/// Where and to whom goods ship (`shipping_details` on a session, `shipping` on a charge).
public struct ShippingDetails: Codable, Sendable, Hashable {
    public var address: Address?
    public var name: String?
    public var phone: String?

    public init(address: Address? = nil, name: String? = nil, phone: String? = nil) {
        self.address = address
        self.name = name
        self.phone = phone
    }
}

/// What the customer entered at checkout (`customer_details`), or billing details on a charge.
public struct CustomerDetails: Codable, Sendable, Hashable {
    public var address: Address?
    public var email: String?
    public var name: String?
    public var phone: String?

    public init(address: Address? = nil, email: String? = nil, name: String? = nil, phone: String? = nil) {
        self.address = address
        self.email = email
        self.name = name
        self.phone = phone
    }
}
