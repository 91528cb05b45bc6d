/// What a ledger row is the purchase of: the kind of object its subject id names. Each kind brings its
/// lifecycle (the statuses its purchases may reach, and from where), so the ledger's compare-and-set is the
/// same code for every kind. Kinds are data in the ledger (`purchases.kind`); `all` lists those this version
/// knows, and a store refuses a row of any other.
public struct PurchaseKind: Sendable, Hashable, CustomStringConvertible {
    /// The name stored in the ledger and shown to operators.
    public let rawValue: String
    /// For each status a purchase of this kind may reach, the statuses it may come from (`nil`: no row yet).
    public let lifecycle: [PurchaseStatus: Set<PurchaseStatus?>]

    public init(rawValue: String, lifecycle: [PurchaseStatus: Set<PurchaseStatus?>]) {
        self.rawValue = rawValue
        self.lifecycle = lifecycle
    }

    /// A Checkout Session (`cs_...`): paid at once and fulfilled, or completed with a delayed payment that
    /// settles (fulfilled) or fails; or ended unpaid. A paid session is fulfilled whatever was recorded
    /// before: Stripe's re-fetched state is the truth.
    public static let checkoutSession = PurchaseKind(
        rawValue: "checkout_session",
        lifecycle: [
            .awaitingPayment: [nil],
            .fulfilled: [nil, .awaitingPayment, .paymentFailed, .expired],
            .paymentFailed: [nil, .awaitingPayment],
            .expired: [nil],
        ])

    /// An order of ours (`ord_...`): its payment lives on the order (`Order.status`); the ledger records it
    /// only once paid, when it is fulfilled.
    public static let order = PurchaseKind(rawValue: "order", lifecycle: [.fulfilled: [nil]])

    /// A subscription (`sub_...`): recorded once its first invoice is paid (or its trial begins), when its
    /// lines are granted. What happens to it after (renewals, a failed payment, the end) is kept with the
    /// subscription (`SubscriptionEntitlement`), not as ledger statuses.
    public static let subscription = PurchaseKind(rawValue: "subscription", lifecycle: [.fulfilled: [nil]])

    /// Every kind this version knows.
    public static let all: [PurchaseKind] = [.checkoutSession, .order, .subscription]

    /// The known kind of this name.
    public init?(rawValue: String) {
        guard let kind = Self.all.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = kind
    }

    /// The statuses a purchase of this kind may be in.
    public var statuses: Set<PurchaseStatus> { Set(lifecycle.keys) }

    /// Whether a purchase of this kind may move from `current` (`nil`: no row yet) to `status`: the compare
    /// in the ledger's compare-and-set.
    public func allows(_ status: PurchaseStatus, after current: PurchaseStatus?) -> Bool {
        lifecycle[status]?.contains(current) ?? false
    }

    public var description: String { rawValue }

    public static func == (lhs: PurchaseKind, rhs: PurchaseKind) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

extension PurchaseKind: Codable {
    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let kind = PurchaseKind(rawValue: name) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "unknown purchase kind \"\(name)\""))
        }
        self = kind
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
