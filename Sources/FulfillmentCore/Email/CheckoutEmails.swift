public import StripeAPI

/// The customer emails of the Checkout flow, as plain text in the customer's language. Customer-supplied text
/// is copied as data.
public enum CheckoutEmails {
    public static func receipt(
        sessionID: String, to recipient: String?, name: String?, lines: [FulfilledLine], amountTotal: Int?, currency: String?,
        landingURL: String, texts: Texts = CustomerLanguage.en.texts
    ) -> OutboundEmail? {
        guard let recipient else { return nil }
        var body = greeting(name, texts) + "\n\n" + texts("receipt_intro") + "\n\n"
        for line in lines {
            body += "- \(line.quantity) × \(line.description): \(describe(line.outcome, texts))\n"
        }
        if let amountTotal, let currency {
            body += "\n" + texts("receipt_total", ["amount": texts.money(amountTotal, currency)]) + "\n"
        }
        body += "\n" + texts("email_your_order", ["url": landingURL]) + "\n" + texts("email_reference", ["reference": sessionID]) + "\n"
        return OutboundEmail(dedupeKey: "receipt:\(sessionID)", recipient: recipient, subject: texts("receipt_subject"), body: body)
    }

    public static func paymentFailed(
        sessionID: String, to recipient: String?, name: String?, retryURL: String, texts: Texts = CustomerLanguage.en.texts
    ) -> OutboundEmail? {
        guard let recipient else { return nil }
        // This address has not paid: the email carries only the shop's words (no name, the merchant's own URL).
        let body = greeting(nil, texts) + "\n\n" + texts("payment_failed_body", ["url": retryURL]) + "\n\n"
            + texts("email_reference", ["reference": sessionID]) + "\n"
        return OutboundEmail(
            dedupeKey: "payment_failed:\(sessionID)", recipient: recipient, subject: texts("payment_failed_subject"), body: body)
    }

    /// "Hello Jenny," (or "Hello," without a name, or with one not safe to echo: `GreetingName`).
    static func greeting(_ name: String?, _ texts: Texts) -> String {
        texts("email_hello", ["name": GreetingName.safe(name).map { " \($0)" } ?? ""])
    }

    static func describe(_ outcome: LineOutcome, _ texts: Texts = CustomerLanguage.en.texts) -> String {
        switch outcome {
        case .accessGranted(let url): texts("outcome_access", ["url": url])
        case .shipped(_, let quantity, 0): texts("outcome_shipping", ["count": "\(quantity)"])
        case .shipped(_, let quantity, let backordered):
            texts("outcome_shipping_backordered", ["count": "\(quantity)", "backordered": "\(backordered)"])
        case .stockTaken(let quantity, 0): texts("outcome_reserved", ["count": "\(quantity)"])
        case .stockTaken(let quantity, let backordered):
            texts("outcome_reserved_backordered", ["count": "\(quantity)", "backordered": "\(backordered)"])
        case .recorded: texts("outcome_paid")
        case .queued: texts("outcome_queued")
        }
    }
}
