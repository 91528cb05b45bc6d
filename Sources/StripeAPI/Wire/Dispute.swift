/// A dispute (chargeback) on a charge: open while the bank decides, then `won` or `lost`.
public struct Dispute: Decodable, Sendable, StripeIdentifiable {
    public var id: String
    public var amount: Int
    public var charge: String
    public var created: Int
    public var currency: String
    public var paymentIntent: String?
    public var reason: String
    public var status: DisputeStatus

    enum CodingKeys: String, CodingKey {
        case id, amount, charge, created, currency, reason, status
        case paymentIntent = "payment_intent"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        amount = try container.decode(Int.self, forKey: .amount)
        charge = try container.decode(ExpandableID.self, forKey: .charge).id
        created = try container.decode(Int.self, forKey: .created)
        currency = try container.decode(String.self, forKey: .currency)
        paymentIntent = try container.decodeIfPresent(ExpandableID.self, forKey: .paymentIntent)?.id
        reason = try container.decode(String.self, forKey: .reason)
        status = try container.decode(DisputeStatus.self, forKey: .status)
    }
}

/// Where a dispute stands. `won` and `lost` are final (also `warning_closed` for an inquiry that closed
/// without a chargeback); the others are open.
public struct DisputeStatus: StripeEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let warningNeedsResponse: Self = "warning_needs_response"
    public static let warningUnderReview: Self = "warning_under_review"
    public static let warningClosed: Self = "warning_closed"
    public static let needsResponse: Self = "needs_response"
    public static let underReview: Self = "under_review"
    public static let won: Self = "won"
    public static let lost: Self = "lost"

    /// Still to be decided by the bank.
    public var isOpen: Bool { ![.won, .lost, .warningClosed].contains(self) }
}
