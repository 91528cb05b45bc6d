/// A charge: money moved (or tried to) from a source (the Sources flow) or for a PaymentIntent (Checkout),
/// with what was refunded and whether it is disputed.
public struct Charge: Decodable, Sendable, StripeIdentifiable {
    public var id: String
    public var amount: Int
    public var amountRefunded: Int
    public var created: Int
    public var currency: String
    public var customer: String?
    public var description: String?
    public var disputed: Bool
    public var failureCode: String?
    public var failureMessage: String?
    public var livemode: Bool
    public var metadata: [String: String]
    public var paid: Bool
    /// The PaymentIntent this charge belongs to (Checkout); nil for a charge of a source.
    public var paymentIntent: String?
    public var receiptEmail: String?
    /// Refunded in full (`amount_refunded == amount`).
    public var refunded: Bool
    /// The charged source's id (an expanded source keeps only its id here).
    public var source: String?
    public var status: ChargeStatus

    enum CodingKeys: String, CodingKey {
        case id, amount, created, currency, customer, description, disputed, livemode, metadata, paid, refunded, source, status
        case amountRefunded = "amount_refunded"
        case paymentIntent = "payment_intent"
        case failureCode = "failure_code"
        case failureMessage = "failure_message"
        case receiptEmail = "receipt_email"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        amount = try container.decode(Int.self, forKey: .amount)
        amountRefunded = try container.decodeIfPresent(Int.self, forKey: .amountRefunded) ?? 0
        created = try container.decode(Int.self, forKey: .created)
        currency = try container.decode(String.self, forKey: .currency)
        customer = try container.decodeIfPresent(ExpandableID.self, forKey: .customer)?.id
        description = try container.decodeIfPresent(String.self, forKey: .description)
        disputed = try container.decodeIfPresent(Bool.self, forKey: .disputed) ?? false
        failureCode = try container.decodeIfPresent(String.self, forKey: .failureCode)
        failureMessage = try container.decodeIfPresent(String.self, forKey: .failureMessage)
        livemode = try container.decode(Bool.self, forKey: .livemode)
        metadata = try container.decode([String: String].self, forKey: .metadata)
        paid = try container.decode(Bool.self, forKey: .paid)
        paymentIntent = try container.decodeIfPresent(ExpandableID.self, forKey: .paymentIntent)?.id
        refunded = try container.decodeIfPresent(Bool.self, forKey: .refunded) ?? false
        receiptEmail = try container.decodeIfPresent(String.self, forKey: .receiptEmail)
        source = try container.decodeIfPresent(ExpandableID.self, forKey: .source)?.id
        status = try container.decode(ChargeStatus.self, forKey: .status)
    }
}

/// `pending`, `succeeded` or `failed`.
public struct ChargeStatus: StripeEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let pending: Self = "pending"
    public static let succeeded: Self = "succeeded"
    public static let failed: Self = "failed"
}
