import StripeAPI

/// A PaymentIntent as the emulator stores it, in Stripe's lifecycle: made by a paid Checkout Session
/// (`succeeded` at once, or `processing` until a delayed method settles), or created through the API
/// (`requires_payment_method` -> `requires_confirmation` -> confirmed: `succeeded`, `requires_action` while the
/// customer authenticates, `processing` while a debit settles, or back to `requires_payment_method` after a
/// failed attempt, ready to be confirmed again; `canceled` before it succeeds).
struct PaymentIntentRecord: Sendable {
    enum Status: String, Sendable {
        case processing, succeeded, canceled
        case requiresPaymentMethod = "requires_payment_method"
        case requiresConfirmation = "requires_confirmation"
        case requiresAction = "requires_action"
    }

    var id: String
    var created: Int
    var amount: Int
    var currency: String
    var status: Status
    var customerID: String?
    var paymentMethodID: String?
    var latestChargeID: String?
    var receiptEmail: String?
    var metadata: [String: String]
    var lastPaymentError: String?
    var paymentMethodTypes: [String] = ["card"]
    var automaticPaymentMethods = false
    var description: String?
    var returnURL: String?
    var setupFutureUsage: String?
    /// Where the customer authenticates while `requires_action`.
    var nextActionURL: String?
    var canceledAt: Int?
    var cancellationReason: String?

    var clientSecret: String { "\(id)_secret_emulator" }

    /// The event a status brings.
    var eventType: String {
        switch status {
        case .processing: "payment_intent.processing"
        case .succeeded: "payment_intent.succeeded"
        case .requiresPaymentMethod: "payment_intent.payment_failed"
        case .requiresAction: "payment_intent.requires_action"
        case .canceled: "payment_intent.canceled"
        case .requiresConfirmation: "payment_intent.created"
        }
    }

    var json: JSONValue {
        [
            "id": .string(id), "object": "payment_intent", "amount": .int(amount),
            "amount_capturable": 0, "amount_received": .int(status == .succeeded ? amount : 0), "application": nil,
            "application_fee_amount": nil,
            "automatic_payment_methods": automaticPaymentMethods ? ["enabled": true] : .null,
            "canceled_at": canceledAt.map(JSONValue.int) ?? .null, "cancellation_reason": .string(cancellationReason),
            "capture_method": "automatic", "client_secret": .string(clientSecret),
            "confirmation_method": "automatic", "created": .int(created), "currency": .string(currency),
            "customer": .string(customerID), "description": .string(description), "invoice": nil,
            "last_payment_error": lastPaymentError.map { message in
                ["type": "card_error", "code": "payment_intent_payment_attempt_failed", "message": .string(message)]
            } ?? .null,
            "latest_charge": .string(latestChargeID), "livemode": false, "metadata": .stringMap(metadata),
            "next_action": nextActionURL.map { url in
                ["type": "redirect_to_url", "redirect_to_url": ["url": .string(url), "return_url": .string(returnURL)]]
            } ?? .null,
            "on_behalf_of": nil,
            "payment_method": status == .requiresPaymentMethod || status == .canceled && paymentMethodID == nil
                ? .null : .string(paymentMethodID),
            "payment_method_options": [:], "payment_method_types": .array(paymentMethodTypes.map { .string($0) }),
            "processing": nil, "receipt_email": .string(receiptEmail), "review": nil,
            "setup_future_usage": .string(setupFutureUsage), "shipping": nil,
            "statement_descriptor": nil, "statement_descriptor_suffix": nil, "status": .string(status.rawValue),
            "transfer_data": nil, "transfer_group": nil,
        ]
    }
}
