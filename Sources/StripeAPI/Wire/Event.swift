/// An event: something happened to an object. Webhooks deliver these; `GET /v1/events` lists them.
public struct Event: Decodable, Sendable, StripeIdentifiable {
    public var id: String
    public var apiVersion: String?
    public var created: Int
    public var data: EventData
    public var livemode: Bool
    public var pendingWebhooks: Int
    public var request: EventRequest?
    public var type: EventType

    enum CodingKeys: String, CodingKey {
        case id, created, data, livemode, request, type
        case apiVersion = "api_version"
        case pendingWebhooks = "pending_webhooks"
    }

    /// Decodes `data.object` as `T` (for example `CheckoutSession` for `checkout.session.*`).
    public func object<T: Decodable>(as type: T.Type) throws -> T {
        try data.object.decode(as: type)
    }

    /// The id of `data.object`, whatever its type.
    public var objectID: String? { data.object["id"]?.stringValue }

    /// The `object` field of `data.object` (`checkout.session`, `source`, `charge`, ...).
    public var objectType: String? { data.object["object"]?.stringValue }
}

/// The object the event is about, as it was when the event happened.
public struct EventData: Decodable, Sendable {
    public var object: JSONValue
    /// On `*.updated` events: the attributes that changed, with their earlier values.
    public var previousAttributes: JSONValue?

    enum CodingKeys: String, CodingKey {
        case object
        case previousAttributes = "previous_attributes"
    }
}

/// The API request that caused the event; `id` is `null` for automatic changes.
public struct EventRequest: Decodable, Sendable, Hashable {
    public var id: String?
    public var idempotencyKey: String?

    enum CodingKeys: String, CodingKey {
        case id
        case idempotencyKey = "idempotency_key"
    }
}

/// An event type such as `checkout.session.completed`; unknown types are kept, not rejected.
public struct EventType: StripeEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let checkoutSessionCompleted: Self = "checkout.session.completed"
    public static let checkoutSessionAsyncPaymentSucceeded: Self = "checkout.session.async_payment_succeeded"
    public static let checkoutSessionAsyncPaymentFailed: Self = "checkout.session.async_payment_failed"
    public static let checkoutSessionExpired: Self = "checkout.session.expired"
    public static let sourceChargeable: Self = "source.chargeable"
    public static let sourceFailed: Self = "source.failed"
    public static let sourceCanceled: Self = "source.canceled"
    public static let chargePending: Self = "charge.pending"
    public static let chargeSucceeded: Self = "charge.succeeded"
    public static let chargeFailed: Self = "charge.failed"
    public static let chargeRefunded: Self = "charge.refunded"
    public static let chargeDisputeCreated: Self = "charge.dispute.created"
    public static let chargeDisputeUpdated: Self = "charge.dispute.updated"
    public static let chargeDisputeClosed: Self = "charge.dispute.closed"
    public static let paymentIntentCreated: Self = "payment_intent.created"
    public static let paymentIntentRequiresAction: Self = "payment_intent.requires_action"
    public static let paymentIntentProcessing: Self = "payment_intent.processing"
    public static let paymentIntentSucceeded: Self = "payment_intent.succeeded"
    public static let paymentIntentPaymentFailed: Self = "payment_intent.payment_failed"
    public static let paymentIntentCanceled: Self = "payment_intent.canceled"
    public static let customerSubscriptionCreated: Self = "customer.subscription.created"
    public static let customerSubscriptionUpdated: Self = "customer.subscription.updated"
    public static let customerSubscriptionDeleted: Self = "customer.subscription.deleted"
    public static let invoicePaid: Self = "invoice.paid"
    public static let invoicePaymentFailed: Self = "invoice.payment_failed"
    /// A thin event's ping of its event destination (no related object).
    public static let eventDestinationPing: Self = "v2.core.event_destination.ping"
    /// Stripe made no events for a while (an incident) and has recovered: what happened meanwhile has no event.
    public static let eventGenerationFailureResolved: Self = "v2.core.health.event_generation_failure.resolved"

    /// The snapshot type a thin event about a v1 resource stands for: `v1.checkout.session.completed` ->
    /// `checkout.session.completed`; `nil` for any other type.
    public var snapshotType: EventType? {
        rawValue.hasPrefix("v1.") && rawValue.count > 3 ? EventType(rawValue: String(rawValue.dropFirst(3))) : nil
    }
}
