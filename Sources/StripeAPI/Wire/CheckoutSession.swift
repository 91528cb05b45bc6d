/// A Checkout Session: the hosted payment page and, once paid, the record of what was bought.
public struct CheckoutSession: Decodable, Sendable, StripeIdentifiable {
    public var id: String
    public var amountSubtotal: Int?
    public var amountTotal: Int?
    public var cancelURL: String?
    public var clientReferenceID: String?
    /// The language Checkout was shown in (`auto`, `es`, `en-GB`, ...), as the merchant asked.
    public var locale: String?
    public var created: Int
    public var currency: String?
    public var customer: String?
    public var customerDetails: CustomerDetails?
    public var customerEmail: String?
    public var expiresAt: Int
    /// Present only when requested with `expand[]=line_items`; holds the first page.
    public var lineItems: StripeList<LineItem>?
    public var livemode: Bool
    public var metadata: [String: String]?
    public var mode: CheckoutSessionMode
    public var paymentIntent: String?
    public var paymentMethodTypes: [String]
    public var paymentStatus: CheckoutSessionPaymentStatus
    /// Where to ship: `shipping_details` up to API version 2025-02-24.acacia, `collected_information.shipping_details`
    /// from 2025-03-31.basil on (read from either, so events of an endpoint on either version work).
    public var shippingDetails: ShippingDetails?
    public var status: CheckoutSessionStatus?
    public var successURL: String?
    public var url: String?
    /// The Payment Link that made the session (`plink_...`); such a session has no `client_reference_id` unless
    /// the link's URL carried one.
    public var paymentLink: String?
    /// The expired session this one recovers (`after_expiration.recovery`): the same purchase, come back.
    public var recoveredFrom: String?
    /// Whether an expired session may be recovered, and the URL that recovers it.
    public var recovery: Recovery?
    /// What the customer answered in the merchant's custom fields.
    public var customFields: [CustomField]
    /// What the customer agreed to (`terms_of_service`, `promotions`), when asked.
    public var consent: Consent?
    /// The subscription a `mode=subscription` session started (`sub_...`), once complete.
    public var subscription: String?

    /// `after_expiration.recovery`.
    public struct Recovery: Decodable, Sendable, Hashable {
        public var enabled: Bool
        public var url: String?
    }

    /// One custom field: its key, label and the customer's answer (text, number or dropdown choice).
    public struct CustomField: Sendable, Hashable, Decodable {
        public var key: String
        public var label: String?
        public var type: String
        public var value: String?

        enum CodingKeys: String, CodingKey { case key, label, type, text, numeric, dropdown }
        struct Label: Decodable { var custom: String? }
        struct Answer: Decodable { var value: String? }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            key = try container.decode(String.self, forKey: .key)
            label = try container.decodeIfPresent(Label.self, forKey: .label)?.custom
            type = try container.decode(String.self, forKey: .type)
            let answerKey: CodingKeys = type == "numeric" ? .numeric : type == "dropdown" ? .dropdown : .text
            value = try container.decodeIfPresent(Answer.self, forKey: answerKey)?.value
        }

        public init(key: String, label: String?, type: String, value: String?) {
            self.key = key
            self.label = label
            self.type = type
            self.value = value
        }
    }

    /// `consent`: `accepted` for the terms of service, `opt_in`/`opt_out` for promotions.
    public struct Consent: Decodable, Sendable, Hashable {
        public var termsOfService: String?
        public var promotions: String?

        enum CodingKeys: String, CodingKey {
            case termsOfService = "terms_of_service"
            case promotions
        }
    }

    struct AfterExpiration: Decodable {
        var recovery: Recovery?
    }

    enum CodingKeys: String, CodingKey {
        case id, created, currency, livemode, metadata, mode, status, url
        case amountSubtotal = "amount_subtotal"
        case amountTotal = "amount_total"
        case cancelURL = "cancel_url"
        case clientReferenceID = "client_reference_id"
        case locale
        case customer
        case customerDetails = "customer_details"
        case customerEmail = "customer_email"
        case expiresAt = "expires_at"
        case lineItems = "line_items"
        case paymentIntent = "payment_intent"
        case paymentMethodTypes = "payment_method_types"
        case paymentStatus = "payment_status"
        case shippingDetails = "shipping_details"
        case collectedInformation = "collected_information"
        case successURL = "success_url"
        case paymentLink = "payment_link"
        case recoveredFrom = "recovered_from"
        case afterExpiration = "after_expiration"
        case customFields = "custom_fields"
        case consent, subscription
    }

    /// What Checkout collected (API versions from 2025-03-31.basil): the shipping details live here.
    struct CollectedInformation: Decodable {
        var shippingDetails: ShippingDetails?

        enum CodingKeys: String, CodingKey {
            case shippingDetails = "shipping_details"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        amountSubtotal = try container.decodeIfPresent(Int.self, forKey: .amountSubtotal)
        amountTotal = try container.decodeIfPresent(Int.self, forKey: .amountTotal)
        cancelURL = try container.decodeIfPresent(String.self, forKey: .cancelURL)
        clientReferenceID = try container.decodeIfPresent(String.self, forKey: .clientReferenceID)
        locale = try container.decodeIfPresent(String.self, forKey: .locale)
        created = try container.decode(Int.self, forKey: .created)
        currency = try container.decodeIfPresent(String.self, forKey: .currency)
        // `customer` may be an id or an expanded customer; only the id is kept here.
        customer = try container.decodeIfPresent(Expandable<Customer>.self, forKey: .customer)?.id
        customerDetails = try container.decodeIfPresent(CustomerDetails.self, forKey: .customerDetails)
        customerEmail = try container.decodeIfPresent(String.self, forKey: .customerEmail)
        expiresAt = try container.decode(Int.self, forKey: .expiresAt)
        lineItems = try container.decodeIfPresent(StripeList<LineItem>.self, forKey: .lineItems)
        livemode = try container.decode(Bool.self, forKey: .livemode)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata)
        mode = try container.decode(CheckoutSessionMode.self, forKey: .mode)
        paymentIntent = try container.decodeIfPresent(ExpandableID.self, forKey: .paymentIntent)?.id
        paymentMethodTypes = try container.decode([String].self, forKey: .paymentMethodTypes)
        paymentStatus = try container.decode(CheckoutSessionPaymentStatus.self, forKey: .paymentStatus)
        shippingDetails = try container.decodeIfPresent(ShippingDetails.self, forKey: .shippingDetails)
            ?? container.decodeIfPresent(CollectedInformation.self, forKey: .collectedInformation)?.shippingDetails
        status = try container.decodeIfPresent(CheckoutSessionStatus.self, forKey: .status)
        successURL = try container.decodeIfPresent(String.self, forKey: .successURL)
        subscription = try container.decodeIfPresent(ExpandableID.self, forKey: .subscription)?.id
        url = try container.decodeIfPresent(String.self, forKey: .url)
        paymentLink = try container.decodeIfPresent(ExpandableID.self, forKey: .paymentLink)?.id
        recoveredFrom = try container.decodeIfPresent(String.self, forKey: .recoveredFrom)
        recovery = try container.decodeIfPresent(AfterExpiration.self, forKey: .afterExpiration)?.recovery
        customFields = try container.decodeIfPresent([CustomField].self, forKey: .customFields) ?? []
        consent = try container.decodeIfPresent(Consent.self, forKey: .consent)
    }
}

/// `open`, `complete` or `expired`.
public struct CheckoutSessionStatus: StripeEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let open: Self = "open"
    public static let complete: Self = "complete"
    public static let expired: Self = "expired"
}

/// `paid`, `unpaid` or `no_payment_required`: fulfil when it is not `unpaid`.
public struct CheckoutSessionPaymentStatus: StripeEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let paid: Self = "paid"
    public static let unpaid: Self = "unpaid"
    public static let noPaymentRequired: Self = "no_payment_required"
}

/// `payment`, `setup` or `subscription`.
public struct CheckoutSessionMode: StripeEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let payment: Self = "payment"
    public static let setup: Self = "setup"
    public static let subscription: Self = "subscription"
}

/// The id of a reference whose expanded form this library does not model (it keeps only the id).
struct ExpandableID: Decodable {
    var id: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let id = try? container.decode(String.self) {
            self.id = id
        } else {
            id = try container.decode(JSONValue.self)["id"]?.stringValue ?? ""
        }
    }
}
