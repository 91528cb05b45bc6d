public import StripeAPI

/// The customer emails of orders, as plain text in the order's language, each with a dedupe key per
/// order and kind.
public enum OrderEmails {
    /// The confirmation of a paid order, queued with its fulfilment: what was delivered for each item.
    public static func confirmed(order: Order, lines: [FulfilledLine], pageURL: String) -> OutboundEmail {
        let texts = order.texts
        var body = CheckoutEmails.greeting(order.customerName, texts) + "\n\n"
        body += texts("order_confirmed_intro", ["amount": texts.money(order.amount, order.currency)]) + "\n\n"
        for line in lines { body += "- \(line.quantity) × \(line.description): \(CheckoutEmails.describe(line.outcome, texts))\n" }
        body += "\n" + texts("email_your_order", ["url": pageURL]) + "\n" + texts("email_reference", ["reference": order.id]) + "\n"
        return OutboundEmail(
            dedupeKey: "order_confirmed:\(order.id)", recipient: order.customerEmail, subject: texts("order_confirmed_subject"),
            body: body)
    }

    public static func email(for notice: OrderNotice, order: Order, pageURL: String) -> OutboundEmail {
        let texts = order.texts
        switch notice {
        case .confirmed:
            return confirmed(order: order, lines: [], pageURL: pageURL)
        case .failed(let reason):
            // This address has not paid (anyone may place an order for any address): the email carries only the
            // shop's words. No name, and the order's own page (which links on to its retry_url), not a link the
            // caller chose.
            let body = CheckoutEmails.greeting(nil, texts) + "\n\n"
                + texts(
                    "order_failed_body",
                    ["amount": texts.money(order.amount, order.currency), "reason": reason, "url": pageURL])
                + "\n\n" + texts("email_reference", ["reference": order.id]) + "\n"
            return OutboundEmail(
                dedupeKey: "order_failed:\(order.id)", recipient: order.customerEmail, subject: texts("order_failed_subject"),
                body: body)
        case .paymentFailed(let reason, let attempt):
            // As above: only the shop's words and the order's own page, where the customer may pay again.
            let body = CheckoutEmails.greeting(nil, texts) + "\n\n"
                + texts(
                    "order_payment_failed_body",
                    ["amount": texts.money(order.amount, order.currency), "reason": reason, "url": pageURL])
                + "\n\n" + texts("email_reference", ["reference": order.id]) + "\n"
            return OutboundEmail(
                dedupeKey: "order_payment_failed:\(order.id):\(attempt)", recipient: order.customerEmail,
                subject: texts("order_payment_failed_subject"), body: body)
        }
    }
}
