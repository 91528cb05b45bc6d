/// A subscription (Stripe Billing): its customer, the prices billed each period, the current period and its
/// status. The period is read where the object's API version keeps it: on the subscription up to
/// 2025-02-24.acacia, on its items from 2025-03-31.basil on.
public struct Subscription: Decodable, Sendable, StripeIdentifiable {
    public var id: String
    public var customer: String
    public var status: SubscriptionStatus
    public var currentPeriodStart: Int
    public var currentPeriodEnd: Int
    public var cancelAtPeriodEnd: Bool
    public var canceledAt: Int?
    public var endedAt: Int?
    public var trialEnd: Int?
    public var items: [Item]
    public var latestInvoice: String?
    public var metadata: [String: String]
    public var testClock: String?

    /// One price billed each period.
    public struct Item: Decodable, Sendable {
        public var id: String
        public var price: Price
        public var quantity: Int?
        var currentPeriodStart: Int?
        var currentPeriodEnd: Int?

        enum CodingKeys: String, CodingKey {
            case id, price, quantity
            case currentPeriodStart = "current_period_start"
            case currentPeriodEnd = "current_period_end"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, customer, status, items, metadata
        case currentPeriodStart = "current_period_start"
        case currentPeriodEnd = "current_period_end"
        case cancelAtPeriodEnd = "cancel_at_period_end"
        case canceledAt = "canceled_at"
        case endedAt = "ended_at"
        case trialEnd = "trial_end"
        case latestInvoice = "latest_invoice"
        case testClock = "test_clock"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        customer = try container.decode(ExpandableID.self, forKey: .customer).id
        status = try container.decode(SubscriptionStatus.self, forKey: .status)
        items = try container.decode(StripeList<Item>.self, forKey: .items).data
        cancelAtPeriodEnd = try container.decodeIfPresent(Bool.self, forKey: .cancelAtPeriodEnd) ?? false
        canceledAt = try container.decodeIfPresent(Int.self, forKey: .canceledAt)
        endedAt = try container.decodeIfPresent(Int.self, forKey: .endedAt)
        trialEnd = try container.decodeIfPresent(Int.self, forKey: .trialEnd)
        latestInvoice = try container.decodeIfPresent(ExpandableID.self, forKey: .latestInvoice)?.id
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
        testClock = try container.decodeIfPresent(ExpandableID.self, forKey: .testClock)?.id
        let start = try container.decodeIfPresent(Int.self, forKey: .currentPeriodStart) ?? items.compactMap(\.currentPeriodStart).min()
        let end = try container.decodeIfPresent(Int.self, forKey: .currentPeriodEnd) ?? items.compactMap(\.currentPeriodEnd).max()
        guard let start, let end else {
            throw DecodingError.dataCorruptedError(
                forKey: .currentPeriodEnd, in: container, debugDescription: "no current period, on the subscription or its items")
        }
        currentPeriodStart = start
        currentPeriodEnd = end
    }
}

/// `trialing`, `active`, `past_due`, `canceled`, `unpaid`, `incomplete`, `incomplete_expired`, `paused`.
public struct SubscriptionStatus: StripeEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let trialing: Self = "trialing"
    public static let active: Self = "active"
    public static let pastDue: Self = "past_due"
    public static let canceled: Self = "canceled"
    public static let unpaid: Self = "unpaid"
    public static let incomplete: Self = "incomplete"
    public static let incompleteExpired: Self = "incomplete_expired"
}

/// An invoice: a subscription's first one or a renewal's. Its subscription is read where its API version keeps
/// it: `subscription` up to 2025-02-24.acacia, `parent.subscription_details.subscription` from 2025-03-31.basil.
public struct Invoice: Decodable, Sendable, StripeIdentifiable {
    public var id: String
    public var customer: String
    public var subscription: String?
    public var status: InvoiceStatus?
    /// `subscription_create`, `subscription_cycle`, `subscription_update`, `manual`, ...
    public var billingReason: String?
    public var amountDue: Int
    public var amountPaid: Int
    public var currency: String
    public var hostedInvoiceURL: String?
    public var periodStart: Int?
    public var periodEnd: Int?
    public var attemptCount: Int
    /// The end of the period its lines bill for (a renewal's: the new period's end), when it has lines.
    public var servicePeriodEnd: Int?
    /// When it was finalized (an attempt to pay could start), or nil while a draft.
    public var created: Int

    struct Line: Decodable {
        struct Period: Decodable { var end: Int }
        var period: Period?
    }

    struct Parent: Decodable {
        struct Details: Decodable { var subscription: ExpandableID? }
        var subscriptionDetails: Details?

        enum CodingKeys: String, CodingKey { case subscriptionDetails = "subscription_details" }
    }

    enum CodingKeys: String, CodingKey {
        case id, customer, subscription, status, currency, parent, lines, created
        case billingReason = "billing_reason"
        case amountDue = "amount_due"
        case amountPaid = "amount_paid"
        case hostedInvoiceURL = "hosted_invoice_url"
        case periodStart = "period_start"
        case periodEnd = "period_end"
        case attemptCount = "attempt_count"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        customer = try container.decode(ExpandableID.self, forKey: .customer).id
        subscription = try container.decodeIfPresent(ExpandableID.self, forKey: .subscription)?.id
            ?? container.decodeIfPresent(Parent.self, forKey: .parent)?.subscriptionDetails?.subscription?.id
        status = try container.decodeIfPresent(InvoiceStatus.self, forKey: .status)
        billingReason = try container.decodeIfPresent(String.self, forKey: .billingReason)
        amountDue = try container.decode(Int.self, forKey: .amountDue)
        amountPaid = try container.decode(Int.self, forKey: .amountPaid)
        currency = try container.decode(String.self, forKey: .currency)
        hostedInvoiceURL = try container.decodeIfPresent(String.self, forKey: .hostedInvoiceURL)
        periodStart = try container.decodeIfPresent(Int.self, forKey: .periodStart)
        periodEnd = try container.decodeIfPresent(Int.self, forKey: .periodEnd)
        attemptCount = try container.decodeIfPresent(Int.self, forKey: .attemptCount) ?? 0
        servicePeriodEnd = try container.decodeIfPresent(StripeList<Line>.self, forKey: .lines)?.data.compactMap(\.period?.end).max()
        created = try container.decodeIfPresent(Int.self, forKey: .created) ?? 0
    }
}

/// `draft`, `open`, `paid`, `uncollectible`, `void`.
public struct InvoiceStatus: StripeEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let draft: Self = "draft"
    public static let open: Self = "open"
    public static let paid: Self = "paid"
    public static let uncollectible: Self = "uncollectible"
    public static let void: Self = "void"
}
