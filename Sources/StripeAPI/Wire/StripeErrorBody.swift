/// Stripe's error envelope: `{"error": {...}}`.
public struct StripeErrorEnvelope: Codable, Sendable {
    public var error: StripeErrorDetails

    public init(error: StripeErrorDetails) { self.error = error }
}

/// The fields of a Stripe error.
public struct StripeErrorDetails: Codable, Sendable, Hashable {
    public var type: StripeErrorType
    public var code: String?
    public var message: String?
    public var param: String?
    public var declineCode: String?
    /// For a declined charge: the failed charge's id.
    public var charge: String?
    public var docURL: String?

    public init(
        type: StripeErrorType, code: String? = nil, message: String? = nil, param: String? = nil,
        declineCode: String? = nil, charge: String? = nil, docURL: String? = nil
    ) {
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.declineCode = declineCode
        self.charge = charge
        self.docURL = docURL
    }

    enum CodingKeys: String, CodingKey {
        case type, code, message, param, charge
        case declineCode = "decline_code"
        case docURL = "doc_url"
    }
}

/// `api_error`, `card_error`, `idempotency_error`, `invalid_request_error` (or a value added later).
public struct StripeErrorType: StripeEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let apiError: Self = "api_error"
    public static let cardError: Self = "card_error"
    public static let idempotencyError: Self = "idempotency_error"
    public static let invalidRequestError: Self = "invalid_request_error"
}
