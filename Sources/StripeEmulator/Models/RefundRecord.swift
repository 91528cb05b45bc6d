import StripeAPI

/// A refund of part or all of a charge. The emulator's refunds succeed at once.
struct RefundRecord: Sendable {
    enum Reason: String, Sendable, CaseIterable {
        case duplicate, fraudulent
        case requestedByCustomer = "requested_by_customer"
    }

    var id: String
    var created: Int
    var amount: Int
    var currency: String
    var chargeID: String
    var paymentIntentID: String?
    var reason: Reason?
    var metadata: [String: String]

    var json: JSONValue {
        [
            "id": .string(id), "object": "refund", "amount": .int(amount), "balance_transaction": nil,
            "charge": .string(chargeID), "created": .int(created), "currency": .string(currency),
            "metadata": .stringMap(metadata), "payment_intent": .string(paymentIntentID),
            "reason": .string(reason?.rawValue), "receipt_number": nil, "source_transfer_reversal": nil,
            "status": "succeeded", "transfer_reversal": nil,
        ]
    }
}
