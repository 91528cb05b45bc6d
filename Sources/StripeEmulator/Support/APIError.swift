import StripeAPI

/// An error answer in Stripe's envelope, with its HTTP status.
struct APIError: Error, Sendable {
    var status: Int
    var details: StripeErrorDetails
    /// Headers to add (for example `Stripe-Should-Retry` on injected faults).
    var headers: [String: String] = [:]
    /// The PaymentIntent a failed confirmation left (`error.payment_intent`), as Stripe includes it.
    var paymentIntent: JSONValue? = nil

    static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: 400, details: StripeErrorDetails(type: .invalidRequestError, code: code, message: message, param: param))
    }

    static func missing(_ resource: String, _ id: String, param: String? = "id") -> APIError {
        APIError(
            status: 404,
            details: StripeErrorDetails(
                type: .invalidRequestError, code: "resource_missing", message: "No such \(resource): '\(id)'", param: param))
    }

    /// A reference in the parameters that does not exist: Stripe answers 400, not 404, for these.
    static func missingReference(_ resource: String, _ id: String, param: String) -> APIError {
        APIError(
            status: 400,
            details: StripeErrorDetails(
                type: .invalidRequestError, code: "resource_missing", message: "No such \(resource): '\(id)'", param: param))
    }

    /// An unexpected failure inside the emulator (logged where it happens).
    static let `internal` = APIError(
        status: 500, details: StripeErrorDetails(type: .apiError, message: "An unknown error occurred."))

    /// A request the key may not make (Stripe's 403, `account_invalid` for an unknown `Stripe-Account`).
    static func permission(_ message: String, code: String? = nil) -> APIError {
        APIError(status: 403, details: StripeErrorDetails(type: .invalidRequestError, code: code, message: message))
    }

    static func unauthorized(_ message: String) -> APIError {
        APIError(status: 401, details: StripeErrorDetails(type: .invalidRequestError, message: message))
    }

    static func idempotencyMismatch(_ key: String) -> APIError {
        APIError(
            status: 400,
            details: StripeErrorDetails(
                type: .idempotencyError,
                message: "Keys for idempotent requests can only be used with the same parameters they were first used "
                    + "with. Try using a key other than '\(key)' if you meant to execute a different request."))
    }

    static func idempotencyInFlight() -> APIError {
        APIError(
            status: 409,
            details: StripeErrorDetails(
                type: .invalidRequestError, code: "idempotency_key_in_use",
                message: "There is currently another in-progress request using this Idempotent Key (that probably "
                    + "means you submitted twice, and the other request is still going through): please retry later."))
    }

    static func cardDeclined(chargeID: String, declineCode: String = "generic_decline") -> APIError {
        APIError(
            status: 402,
            details: StripeErrorDetails(
                type: .cardError, code: "card_declined", message: "Your card was declined.", param: nil,
                declineCode: declineCode, charge: chargeID))
    }

    var body: JSONValue {
        var error: [String: JSONValue] = ["type": .string(details.type.rawValue)]
        if let code = details.code { error["code"] = .string(code) }
        if let message = details.message { error["message"] = .string(message) }
        if let param = details.param { error["param"] = .string(param) }
        if let declineCode = details.declineCode { error["decline_code"] = .string(declineCode) }
        if let charge = details.charge { error["charge"] = .string(charge) }
        if let paymentIntent { error["payment_intent"] = paymentIntent }
        if let code = details.code { error["doc_url"] = .string("https://stripe.com/docs/error-codes/\(code.replacingOccurrences(of: "_", with: "-"))") }
        return ["error": .object(error)]
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
