import StripeAPI

/// A dispute (chargeback) opened by the cardholder's bank through test control, then closed won or lost.
struct DisputeRecord: Sendable {
    enum Status: String, Sendable {
        case needsResponse = "needs_response"
        case underReview = "under_review"
        case won, lost
    }

    static let reasons: Set<String> = [
        "bank_cannot_process", "check_returned", "credit_not_processed", "customer_initiated", "debit_not_authorized",
        "duplicate", "fraudulent", "general", "incorrect_account_details", "insufficient_funds", "product_not_received",
        "product_unacceptable", "subscription_canceled", "unrecognized",
    ]

    var id: String
    var created: Int
    var amount: Int
    var currency: String
    var chargeID: String
    var paymentIntentID: String?
    var reason: String
    var status: Status = .needsResponse
    /// The merchant's evidence (text fields only) and how many times it was submitted.
    var evidence: [String: String] = [:]
    var submissionCount = 0
    var metadata: [String: String] = [:]
    /// Seven days to answer, as Stripe gives for most card networks.
    var dueBy: Int { created + 7 * 24 * 3600 }

    /// Closes the dispute; a closed one is refused.
    mutating func close(won: Bool) throws(APIError) {
        guard status == .needsResponse || status == .underReview else {
            throw .invalidRequest("This dispute is already closed (\(status.rawValue)).", code: "dispute_already_closed")
        }
        status = won ? .won : .lost
    }

    /// `POST /v1/disputes/{id}`: evidence and metadata; `submit` (the default, as at Stripe) sends the
    /// evidence to the bank and the dispute goes under review.
    mutating func update(evidence new: [String: String], metadata: [String: String], submit: Bool) throws(APIError) {
        guard status == .needsResponse || status == .underReview else {
            throw .invalidRequest("This dispute is already closed (\(status.rawValue)).", code: "dispute_already_closed")
        }
        for key in new.keys where !Self.evidenceFields.contains(key) {
            throw .invalidRequest("Received unknown parameter: evidence[\(key)]", param: "evidence[\(key)]")
        }
        evidence.merge(new) { _, value in value }
        self.metadata.merge(metadata) { _, value in value }
        if submit {
            submissionCount += 1
            status = .underReview
        }
    }

    /// The evidence a merchant could submit.
    private static let evidenceFields = [
        "access_activity_log", "billing_address", "cancellation_policy", "cancellation_policy_disclosure",
        "cancellation_rebuttal", "customer_communication", "customer_email_address", "customer_name",
        "customer_purchase_ip", "customer_signature", "duplicate_charge_documentation", "duplicate_charge_explanation",
        "duplicate_charge_id", "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
        "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address", "shipping_carrier",
        "shipping_date", "shipping_documentation", "shipping_tracking_number", "uncategorized_file",
        "uncategorized_text",
    ]

    var json: JSONValue {
        [
            "id": .string(id), "object": "dispute", "amount": .int(amount), "balance_transactions": [],
            "charge": .string(chargeID), "created": .int(created), "currency": .string(currency),
            "evidence": .object(Dictionary(uniqueKeysWithValues: Self.evidenceFields.map { ($0, JSONValue.string(evidence[$0])) })),
            "evidence_details": [
                "due_by": .int(dueBy), "has_evidence": .bool(!evidence.isEmpty), "past_due": false,
                "submission_count": .int(submissionCount),
            ],
            "is_charge_refundable": false, "livemode": false, "metadata": .stringMap(metadata),
            "payment_intent": .string(paymentIntentID), "reason": .string(reason), "status": .string(status.rawValue),
        ]
    }
}
