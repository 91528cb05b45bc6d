public import Foundation

/// A notification as the merchant's endpoint receives it, shaped like a Stripe event: `id` (`fev_...`,
/// derived from the fact), `object: "event"`, `type`, `created` (Unix seconds) and `data.object`, the
/// purchase it is about. The published contract (`openapi/fulfillment.yaml`, webhooks) describes it.
public struct NotificationEvent: Codable, Sendable, Hashable {
    public var id: String
    public var object: String
    public var type: String
    public var created: Int
    public var data: Payload

    public struct Payload: Codable, Sendable, Hashable {
        public var object: NotifiedPurchase
    }

    public init(id: String, type: MerchantNotifier.EventType, created: Date, object: NotifiedPurchase) {
        self.id = id
        self.object = "event"
        self.type = type.rawValue
        self.created = Int(created.timeIntervalSince1970)
        self.data = Payload(object: object)
    }

    /// The bytes sent (and signed).
    public var body: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }
}

/// What a notification is about: a Checkout Session, an order or a subscription.
public enum NotifiedPurchase: Codable, Sendable, Hashable {
    case checkoutSession(NotifiedSession)
    case order(NotifiedOrder)
    case subscription(NotifiedSubscription)

    public init(from decoder: any Decoder) throws {
        if let order = try? NotifiedOrder(from: decoder), order.object == "order" {
            self = .order(order)
        } else if let subscription = try? NotifiedSubscription(from: decoder), subscription.object == "subscription" {
            self = .subscription(subscription)
        } else {
            self = .checkoutSession(try NotifiedSession(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .checkoutSession(let session): try session.encode(to: encoder)
        case .order(let order): try order.encode(to: encoder)
        case .subscription(let subscription): try subscription.encode(to: encoder)
        }
    }

    /// The same purchase with what happened to its payment added (refunds and disputes notifications).
    func with(afterPayment: NotifiedAfterPayment) -> NotifiedPurchase {
        switch self {
        case .checkoutSession(var session):
            session.afterPayment = afterPayment
            return .checkoutSession(session)
        case .order(var order):
            order.afterPayment = afterPayment
            return .order(order)
        case .subscription:
            return self
        }
    }
}

/// The change a refund or dispute made (`after_payment` in `checkout.refunded`, `order.disputed`, ...).
public struct NotifiedAfterPayment: Codable, Sendable, Hashable {
    public var charge: String
    public var chargeAmount: Int
    public var amountRefunded: Int
    public var newlyRefunded: Int
    public var fullyRefunded: Bool
    public var dispute: String
    public var access: String
    public var stockReturned: Bool

    enum CodingKeys: String, CodingKey {
        case charge, dispute, access
        case chargeAmount = "charge_amount"
        case amountRefunded = "amount_refunded"
        case newlyRefunded = "newly_refunded"
        case fullyRefunded = "fully_refunded"
        case stockReturned = "stock_returned"
    }
}

/// The customer named on a purchase.
public struct NotifiedCustomer: Codable, Sendable, Hashable {
    @Nullable public var email: String?
    @Nullable public var name: String?
}
