/// A customer; the Sources flow attaches reusable sources to one before charging.
public struct Customer: Decodable, Sendable, StripeIdentifiable {
    public var id: String
    public var created: Int
    /// The default source's id (an expanded source keeps only its id here).
    public var defaultSource: String?
    public var email: String?
    public var livemode: Bool
    public var metadata: [String: String]?
    public var name: String?
    /// The customer's languages, preferred first (`es`, `en-GB`): a subscription's emails speak the first known.
    public var preferredLocales: [String]

    enum CodingKeys: String, CodingKey {
        case id, created, email, livemode, metadata, name
        case defaultSource = "default_source"
        case preferredLocales = "preferred_locales"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        created = try container.decode(Int.self, forKey: .created)
        defaultSource = try container.decodeIfPresent(ExpandableID.self, forKey: .defaultSource)?.id
        email = try container.decodeIfPresent(String.self, forKey: .email)
        livemode = try container.decode(Bool.self, forKey: .livemode)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        preferredLocales = try container.decodeIfPresent([String].self, forKey: .preferredLocales) ?? []
    }
}
