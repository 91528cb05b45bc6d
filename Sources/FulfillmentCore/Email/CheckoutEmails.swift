public import StripeAPI

/// The customer emails of the Checkout flow, as plain text. Customer-supplied text is copied as data.
public enum CheckoutEmails {
    public static func receipt(sessionID: String, to recipient: String?, name: String?, lines: [FulfilledLine],
                               amountTotal: Int?, currency: String?, landingURL: String) -> OutboundEmail? {
        guard let recipient else { return nil }
        var body = "Hello\(name.map { " \($0)" } ?? ""),\n\nThank you for your order. Here is what we delivered:\n\n"
        for line in lines {
            body += "- \(line.quantity) × \(line.description): \(describe(line.outcome))\n"
        }
        if let amountTotal, let currency {
            body += "\nTotal paid: \(Money.format(amountTotal, currency))\n"
        }
        body += "\nYour order: \(landingURL)\nReference: \(sessionID)\n"
        return OutboundEmail(dedupeKey: "receipt:\(sessionID)", recipient: recipient, subject: "Your receipt", body: body)
    }

    public static func paymentFailed(sessionID: String, to recipient: String?, name: String?, retryURL: String) -> OutboundEmail? {
        guard let recipient else { return nil }
        let body = """
            Hello\(name.map { " \($0)" } ?? ""),

            Your bank could not complete the payment for your order, so nothing was charged and the order was \
            not processed. You can place it again at \(retryURL).

            Reference: \(sessionID)

            """
        return OutboundEmail(
            dedupeKey: "payment_failed:\(sessionID)", recipient: recipient, subject: "Your payment did not go through", body: body)
    }

    static func describe(_ outcome: LineOutcome) -> String {
        switch outcome {
        case .accessGranted(let url): "access granted at \(url)"
        case .shipped(_, let quantity, 0): "\(quantity) shipping now"
        case .shipped(_, let quantity, let backordered): "\(quantity) shipping now, \(backordered) backordered (we will ship them when back in stock)"
        case .stockTaken(let quantity, 0): "\(quantity) reserved"
        case .stockTaken(let quantity, let backordered): "\(quantity) reserved, \(backordered) backordered"
        case .recorded: "paid"
        case .queued: "being prepared"
        }
    }
}
