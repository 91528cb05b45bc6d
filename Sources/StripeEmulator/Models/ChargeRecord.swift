import StripeAPI

/// A charge as the emulator stores it: `succeeded` or `failed` at once, or `pending` until it settles. A
/// charge of a source (the Sources flow) embeds the source; a charge of a PaymentIntent (Checkout) names it.
/// Refunds and a dispute hang off the charge, as on Stripe.
struct ChargeRecord: Sendable {
    enum Status: String, Sendable { case pending, succeeded, failed }

    var id: String
    var created: Int
    var amount: Int
    var currency: String
    var sourceID: String?
    /// The source as it was when charged (Stripe embeds the whole source); null for a PaymentIntent's charge.
    var source: JSONValue
    /// The source, or the PaymentIntent's payment method (`pm_...`).
    var paymentMethodID: String
    var paymentIntentID: String? = nil
    var customerID: String?
    var status: Status
    var metadata: [String: String]
    var description: String?
    var receiptEmail: String?
    var failureCode: String?
    var failureMessage: String?
    var settlement: (at: Int, succeeds: Bool)?
    var billingName: String?
    var billingEmail: String?
    var refunds: [RefundRecord] = []
    var disputeID: String? = nil

    var amountRefunded: Int { refunds.reduce(0) { $0 + $1.amount } }
    var refundable: Int { status == .succeeded ? amount - amountRefunded : 0 }

    /// A pending charge settles; returns the event type.
    mutating func settle() -> String? {
        guard status == .pending, let settlement else { return nil }
        self.settlement = nil
        if settlement.succeeds {
            status = .succeeded
            return "charge.succeeded"
        }
        status = .failed
        failureCode = "insufficient_funds"
        failureMessage = "The customer's account has insufficient funds to cover this payment."
        return "charge.failed"
    }

    var json: JSONValue {
        let succeeded = status == .succeeded
        return [
            "id": .string(id), "object": "charge", "amount": .int(amount), "amount_captured": .int(succeeded ? amount : 0),
            "amount_refunded": .int(amountRefunded), "application": nil, "application_fee": nil, "application_fee_amount": nil,
            "balance_transaction": nil,
            "billing_details": [
                "address": Address().json, "email": .string(billingEmail), "name": .string(billingName), "phone": nil,
            ],
            "calculated_statement_descriptor": "FULFILL EMULATOR", "captured": .bool(status != .failed),
            "created": .int(created), "currency": .string(currency), "customer": .string(customerID),
            "description": .string(description), "disputed": .bool(disputeID != nil), "failure_balance_transaction": nil,
            "failure_code": .string(failureCode), "failure_message": .string(failureMessage), "fraud_details": [:],
            "invoice": nil, "livemode": false, "metadata": .stringMap(metadata), "on_behalf_of": nil,
            "outcome": outcome, "paid": .bool(succeeded), "payment_intent": .string(paymentIntentID),
            "payment_method": .string(paymentMethodID), "receipt_email": .string(receiptEmail), "receipt_number": nil,
            "receipt_url": nil, "refunded": .bool(succeeded && amountRefunded == amount),
            "refunds": [
                "object": "list", "data": .array(refunds.reversed().map(\.json)), "has_more": false,
                "url": .string("/v1/charges/\(id)/refunds"),
            ],
            "review": nil, "shipping": nil, "source": source, "source_transfer": nil, "statement_descriptor": nil,
            "statement_descriptor_suffix": nil, "status": .string(status.rawValue), "transfer_data": nil,
            "transfer_group": nil,
        ]
    }

    private var outcome: JSONValue {
        switch status {
        case .failed:
            [
                "network_status": "declined_by_network", "reason": "generic_decline", "risk_level": "normal",
                "risk_score": 30, "seller_message": "The bank did not return any further details with this decline.",
                "type": "issuer_declined",
            ]
        case .pending, .succeeded:
            [
                "network_status": "approved_by_network", "reason": nil, "risk_level": "normal", "risk_score": 20,
                "seller_message": "Payment complete.", "type": "authorized",
            ]
        }
    }
}
