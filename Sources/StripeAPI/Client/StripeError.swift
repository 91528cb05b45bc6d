/// An error answer from Stripe: the HTTP status, Stripe's error fields and the request id to quote.
public struct StripeError: Error, Sendable, CustomStringConvertible {
    public var httpStatus: Int
    public var details: StripeErrorDetails
    /// The `Request-Id` response header (`req_...`).
    public var requestID: String?
    /// The idempotency key the request carried, if it was a POST.
    public var idempotencyKey: String?

    public init(httpStatus: Int, details: StripeErrorDetails, requestID: String?, idempotencyKey: String?) {
        self.httpStatus = httpStatus
        self.details = details
        self.requestID = requestID
        self.idempotencyKey = idempotencyKey
    }

    /// What kind of failure this is, from the status and Stripe's error type (as the SDKs classify it).
    public var kind: Kind {
        switch (details.type, httpStatus) {
        case (.cardError, _): .card
        case (.idempotencyError, _): .idempotency
        case (_, 401): .authentication
        case (_, 403): .permission
        case (_, 404): .notFound
        case (_, 409): .conflict
        case (_, 429): .rateLimit
        case (.invalidRequestError, _): .invalidRequest
        default: .api
        }
    }

    /// The error classes of Stripe's SDKs.
    public enum Kind: Sendable, Hashable {
        case card, invalidRequest, idempotency, authentication, permission, notFound, conflict, rateLimit, api
    }

    public var description: String {
        var parts = ["Stripe \(httpStatus) \(details.type)"]
        if let code = details.code { parts.append("code=\(code)") }
        if let message = details.message { parts.append(message) }
        if let requestID { parts.append("request=\(requestID)") }
        return parts.joined(separator: " ")
    }
}

/// A failure that is not an error answer from Stripe.
public enum StripeClientError: Error, Sendable, CustomStringConvertible {
    /// The request never got a response, after `attempts` tries.
    case transport(StripeTransportError, attempts: Int)
    /// A response came back that is not what Stripe sends (not JSON, or not the expected shape).
    case invalidResponse(status: Int, requestID: String?, reason: String)

    public var description: String {
        switch self {
        case .transport(let error, let attempts): "Stripe unreachable after \(attempts) attempt(s): \(error)"
        case .invalidResponse(let status, let requestID, let reason):
            "unexpected Stripe response \(status) (request \(requestID ?? "none")): \(reason)"
        }
    }
}
