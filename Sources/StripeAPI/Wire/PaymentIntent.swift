/// A PaymentIntent: one payment, tried as many times as it takes (each attempt a charge), in Stripe's lifecycle
/// `requires_payment_method` -> `requires_confirmation` -> `requires_action` | `processing` -> `succeeded`, back
/// to `requires_payment_method` after a failed attempt, or `canceled`.
public struct PaymentIntent: Decodable, Sendable, StripeIdentifiable {
    public var id: String
    public var amount: Int
    public var currency: String
    public var clientSecret: String?
    public var created: Int
    public var customer: String?
    public var latestCharge: String?
    public var lastPaymentError: PaymentIntentError?
    public var livemode: Bool
    public var metadata: [String: String]
    public var nextAction: PaymentIntentNextAction?
    public var paymentMethod: String?
    public var paymentMethodTypes: [String]
    public var cancellationReason: String?
    public var setupFutureUsage: String?
    public var status: PaymentIntentStatus

    enum CodingKeys: String, CodingKey {
        case id, amount, currency, created, customer, livemode, metadata, status
        case clientSecret = "client_secret"
        case latestCharge = "latest_charge"
        case lastPaymentError = "last_payment_error"
        case nextAction = "next_action"
        case paymentMethod = "payment_method"
        case paymentMethodTypes = "payment_method_types"
        case cancellationReason = "cancellation_reason"
        case setupFutureUsage = "setup_future_usage"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        amount = try container.decode(Int.self, forKey: .amount)
        currency = try container.decode(String.self, forKey: .currency)
        clientSecret = try container.decodeIfPresent(String.self, forKey: .clientSecret)
        created = try container.decode(Int.self, forKey: .created)
        customer = try container.decodeIfPresent(ExpandableID.self, forKey: .customer)?.id
        latestCharge = try container.decodeIfPresent(ExpandableID.self, forKey: .latestCharge)?.id
        lastPaymentError = try container.decodeIfPresent(PaymentIntentError.self, forKey: .lastPaymentError)
        livemode = try container.decode(Bool.self, forKey: .livemode)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
        nextAction = try container.decodeIfPresent(PaymentIntentNextAction.self, forKey: .nextAction)
        paymentMethod = try container.decodeIfPresent(ExpandableID.self, forKey: .paymentMethod)?.id
        paymentMethodTypes = try container.decodeIfPresent([String].self, forKey: .paymentMethodTypes) ?? []
        cancellationReason = try container.decodeIfPresent(String.self, forKey: .cancellationReason)
        setupFutureUsage = try container.decodeIfPresent(String.self, forKey: .setupFutureUsage)
        status = try container.decode(PaymentIntentStatus.self, forKey: .status)
    }

    /// Where the customer must go to authorise the payment (3-D Secure, the bank's page), while `requires_action`.
    public var redirectURL: String? { status == .requiresAction ? nextAction?.redirectToURL?.url : nil }
}

/// Why the last attempt failed (`last_payment_error`).
public struct PaymentIntentError: Decodable, Sendable, Hashable {
    public var code: String?
    public var declineCode: String?
    public var message: String?
    public var type: String?

    enum CodingKeys: String, CodingKey {
        case code, message, type
        case declineCode = "decline_code"
    }
}

/// What the customer must do next (`next_action`); only `redirect_to_url` is read.
public struct PaymentIntentNextAction: Decodable, Sendable, Hashable {
    public var type: String
    public var redirectToURL: RedirectToURL?

    public struct RedirectToURL: Decodable, Sendable, Hashable {
        public var url: String?
        public var returnURL: String?

        enum CodingKeys: String, CodingKey {
            case url
            case returnURL = "return_url"
        }
    }

    enum CodingKeys: String, CodingKey {
        case type
        case redirectToURL = "redirect_to_url"
    }
}

/// `requires_payment_method`, `requires_confirmation`, `requires_action`, `processing`, `requires_capture`,
/// `succeeded` or `canceled`.
public struct PaymentIntentStatus: StripeEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let requiresPaymentMethod: Self = "requires_payment_method"
    public static let requiresConfirmation: Self = "requires_confirmation"
    public static let requiresAction: Self = "requires_action"
    public static let processing: Self = "processing"
    public static let requiresCapture: Self = "requires_capture"
    public static let succeeded: Self = "succeeded"
    public static let canceled: Self = "canceled"

    /// Whether Stripe still lets the intent be canceled (before it is processing or done).
    public var isCancelable: Bool { [.requiresPaymentMethod, .requiresConfirmation, .requiresAction, .requiresCapture].contains(self) }
}

/// A PaymentMethod: how a customer pays (`card`, `ideal`, `bancontact`, `sepa_debit`, ...), attached to a
/// customer when saved for later.
public struct PaymentMethod: Decodable, Sendable, StripeIdentifiable {
    public var id: String
    public var type: String
    public var customer: String?
    public var created: Int
    public var livemode: Bool

    enum CodingKeys: String, CodingKey {
        case id, type, customer, created, livemode
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        type = try container.decode(String.self, forKey: .type)
        customer = try container.decodeIfPresent(ExpandableID.self, forKey: .customer)?.id
        created = try container.decode(Int.self, forKey: .created)
        livemode = try container.decode(Bool.self, forKey: .livemode)
    }
}
