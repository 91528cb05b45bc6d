/// A source (legacy Sources API): a payment method that may need a customer action before it can be charged.
public struct Source: Decodable, Sendable, StripeIdentifiable {
    public var id: String
    public var amount: Int?
    public var clientSecret: String
    public var created: Int
    public var currency: String?
    public var customer: String?
    public var flow: SourceFlow
    public var livemode: Bool
    public var metadata: [String: String]?
    public var owner: SourceOwner?
    public var redirect: SourceRedirect?
    public var status: SourceStatus
    public var type: SourceType
    public var usage: SourceUsage?

    enum CodingKeys: String, CodingKey {
        case id, amount, created, currency, customer, flow, livemode, metadata, owner, redirect, status, type, usage
        case clientSecret = "client_secret"
    }
}

/// The owner of a source, as the customer gave it.
public struct SourceOwner: Decodable, Sendable, Hashable {
    public var email: String?
    public var name: String?
}

/// Where to send the customer to authorise a redirect-flow source, and how that went.
public struct SourceRedirect: Decodable, Sendable, Hashable {
    public var failureReason: String?
    public var returnURL: String
    /// `pending`, `succeeded`, `not_required` or `failed`.
    public var status: String
    public var url: String

    enum CodingKeys: String, CodingKey {
        case status, url
        case failureReason = "failure_reason"
        case returnURL = "return_url"
    }
}

/// `pending`, `chargeable`, `consumed`, `failed` or `canceled`.
public struct SourceStatus: StripeEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let pending: Self = "pending"
    public static let chargeable: Self = "chargeable"
    public static let consumed: Self = "consumed"
    public static let failed: Self = "failed"
    public static let canceled: Self = "canceled"
}

/// `redirect`, `receiver`, `code_verification` or `none`.
public struct SourceFlow: StripeEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let redirect: Self = "redirect"
    public static let receiver: Self = "receiver"
    public static let codeVerification: Self = "code_verification"
    public static let none: Self = "none"
}

/// `single_use` (amount and currency fixed) or `reusable`.
public struct SourceUsage: StripeEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let singleUse: Self = "single_use"
    public static let reusable: Self = "reusable"
}

/// The payment method of a source.
public struct SourceType: StripeEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let card: Self = "card"
    public static let ideal: Self = "ideal"
    public static let sofort: Self = "sofort"
    public static let sepaDebit: Self = "sepa_debit"
    public static let bancontact: Self = "bancontact"
    public static let threeDSecure: Self = "three_d_secure"
}
