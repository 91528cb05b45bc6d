/// A reference Stripe sends as an id string, or as the whole object when the request expanded it.
public enum Expandable<Object: Decodable & Sendable & StripeIdentifiable>: Decodable, Sendable {
    case id(String)
    case object(Object)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let id = try? container.decode(String.self) {
            self = .id(id)
        } else {
            self = .object(try container.decode(Object.self))
        }
    }

    /// The referenced object's id, whether or not it was expanded.
    public var id: String {
        switch self {
        case .id(let id): id
        case .object(let object): object.id
        }
    }

    /// The expanded object, or `nil` when only the id was sent.
    public var expanded: Object? {
        if case .object(let object) = self { return object }
        return nil
    }
}

/// A Stripe object with an `id` (what pagination and expansion need to know of it).
public protocol StripeIdentifiable {
    /// Stripe's id, with its type prefix (`cs_`, `li_`, `src_`, ...).
    var id: String { get }
}
