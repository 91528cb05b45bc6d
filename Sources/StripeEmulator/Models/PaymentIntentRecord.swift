import StripeAPI

/// A PaymentIntent as the emulator stores it: made when a Checkout Session is paid, `succeeded` at once or
/// `processing` until a delayed method settles (then `succeeded`, or back to `requires_payment_method`).
struct PaymentIntentRecord: Sendable {
    enum Status: String, Sendable {
        case processing, succeeded
        case requiresPaymentMethod = "requires_payment_method"
    }

    var id: String
    var created: Int
    var amount: Int
    var currency: String
    var status: Status
    var customerID: String?
    var paymentMethodID: String
    var latestChargeID: String?
    var receiptEmail: String?
    var metadata: [String: String]
    var lastPaymentError: String?

    /// The event a status brings.
    var eventType: String {
        switch status {
        case .processing: "payment_intent.processing"
        case .succeeded: "payment_intent.succeeded"
        case .requiresPaymentMethod: "payment_intent.payment_failed"
        }
    }

    var json: JSONValue {
        [
            "id": .string(id), "object": "payment_intent", "amount": .int(amount),
            "amount_capturable": 0, "amount_received": .int(status == .succeeded ? amount : 0), "application": nil,
            "application_fee_amount": nil, "automatic_payment_methods": nil, "canceled_at": nil, "cancellation_reason": nil,
            "capture_method": "automatic", "client_secret": .string("\(id)_secret_emulator"),
            "confirmation_method": "automatic", "created": .int(created), "currency": .string(currency),
            "customer": .string(customerID), "description": nil, "invoice": nil,
            "last_payment_error": lastPaymentError.map { message in
                ["type": "card_error", "code": "payment_intent_payment_attempt_failed", "message": .string(message)]
            } ?? .null,
            "latest_charge": .string(latestChargeID), "livemode": false, "metadata": .stringMap(metadata),
            "next_action": nil, "on_behalf_of": nil,
            "payment_method": status == .requiresPaymentMethod ? .null : .string(paymentMethodID),
            "payment_method_options": [:], "payment_method_types": ["card"], "processing": nil,
            "receipt_email": .string(receiptEmail), "review": nil, "setup_future_usage": nil, "shipping": nil,
            "statement_descriptor": nil, "statement_descriptor_suffix": nil, "status": .string(status.rawValue),
            "transfer_data": nil, "transfer_group": nil,
        ]
    }
}
