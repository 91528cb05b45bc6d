/// A string enum from Stripe that keeps values it does not know: Stripe adds values over time, and a
/// decoder that fails on a new value would drop a whole webhook. Each conforming type lists the values this
/// library acts on as static members; any other value decodes and round-trips unchanged.
public protocol StripeEnum: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral where RawValue == String
{
    init(rawValue: String)
}

extension StripeEnum {
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public init(stringLiteral value: String) {
        self.init(rawValue: value)
    }

    public var description: String { rawValue }
}
