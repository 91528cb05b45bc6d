import StripeAPI

/// An invoice: a subscription's first one (`subscription_create`), each renewal's (`subscription_cycle`, a
/// draft for an hour, then finalized and charged), retried on a schedule when its payment fails.
struct InvoiceRecord: Sendable {
    enum Status: String, Sendable { case draft, open, paid, void, uncollectible }

    var id: String
    var created: Int
    var customerID: String
    var subscriptionID: String
    var billingReason: String
    var status: Status = .draft
    var currency: String
    var lines: [(priceID: String, quantity: Int, amount: Int)]
    var periodStart: Int
    var periodEnd: Int
    /// When the draft is finalized and charged (an hour after creation, as Stripe does).
    var automaticallyFinalizesAt: Int?
    var finalizedAt: Int? = nil
    var attemptCount = 0
    var nextPaymentAttempt: Int?
    var chargeID: String?
    var paymentIntentID: String?
    var paidAt: Int?
    var hostedURL: String
    var testClockID: String?

    var amountDue: Int { lines.reduce(0) { $0 + $1.amount } }

    /// The invoice; `prices` renders a line's price (the versions before 2025-03-31.basil embed it).
    func json(prices: (String) -> JSONValue) -> JSONValue {
        let linesJSON: [JSONValue] = lines.enumerated().map { index, line in
            [
                "id": .string("il_\(id.dropFirst(3))_\(index)"), "object": "line_item", "amount": .int(line.amount), "currency": .string(currency),
                "quantity": .int(line.quantity), "price": prices(line.priceID), "discountable": true, "livemode": false, "metadata": [:],
                "proration": false, "type": "subscription", "subscription": .string(subscriptionID), "description": nil,
                "discount_amounts": [], "discounts": [], "tax_amounts": [], "tax_rates": [], "amount_excluding_tax": .int(line.amount),
                "period": ["start": .int(periodStart), "end": .int(periodEnd)],
                "pricing": ["price_details": ["price": .string(line.priceID)], "type": "price_details"],
            ]
        }
        return [
            "id": .string(id), "object": "invoice", "created": .int(created), "customer": .string(customerID),
            "subscription": .string(subscriptionID), "billing_reason": .string(billingReason), "status": .string(status.rawValue),
            "currency": .string(currency), "amount_due": .int(amountDue), "amount_paid": .int(status == .paid ? amountDue : 0),
            "amount_remaining": .int(status == .paid ? 0 : amountDue), "total": .int(amountDue), "subtotal": .int(amountDue),
            "lines": ["object": "list", "data": .array(linesJSON), "has_more": false, "url": .string("/v1/invoices/\(id)/lines")],
            "period_start": .int(periodStart), "period_end": .int(periodEnd),
            "automatically_finalizes_at": .int(status == .draft ? automaticallyFinalizesAt : nil),
            "attempt_count": .int(attemptCount), "attempted": .bool(attemptCount > 0),
            "next_payment_attempt": .int(nextPaymentAttempt), "paid": .bool(status == .paid),
            "charge": .string(chargeID), "payment_intent": .string(paymentIntentID),
            "status_transitions": ["paid_at": .int(paidAt), "finalized_at": .int(finalizedAt), "voided_at": nil, "marked_uncollectible_at": nil],
            "hosted_invoice_url": status == .draft ? .null : .string(hostedURL), "livemode": false, "metadata": [:],
            "collection_method": "charge_automatically", "test_clock": .string(testClockID), "amount_shipping": 0,
            "automatic_tax": ["enabled": false, "status": nil, "liability": nil], "default_tax_rates": [], "paid_out_of_band": false,
            "payment_settings": ["default_mandate": nil, "payment_method_options": nil, "payment_method_types": nil],
            "post_payment_credit_notes_amount": 0, "pre_payment_credit_notes_amount": 0, "starting_balance": 0, "total_tax_amounts": [],
            "number": .string("EMU-\(id.suffix(6).uppercased())"),
        ]
    }
}
