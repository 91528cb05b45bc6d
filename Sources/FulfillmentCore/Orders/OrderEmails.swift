public import StripeAPI

/// The customer emails of the Sources flow, as plain text, each with a dedupe key per order and kind.
public enum OrderEmails {
    /// The confirmation of a paid order, queued with its fulfilment: what was delivered for each item.
    public static func confirmed(order: Order, lines: [FulfilledLine], pageURL: String) -> OutboundEmail {
        var body = "Hello\(order.customerName.map { " \($0)" } ?? ""),\n\n"
        body += "We received your payment of \(Money.format(order.amount, order.currency)). Your order is confirmed:\n\n"
        for line in lines { body += "- \(line.quantity) × \(line.description): \(CheckoutEmails.describe(line.outcome))\n" }
        body += "\nYour order: \(pageURL)\nReference: \(order.id)\n"
        return OutboundEmail(
            dedupeKey: "order_confirmed:\(order.id)", recipient: order.customerEmail, subject: "Your order is confirmed", body: body)
    }

    public static func email(for notice: OrderNotice, order: Order, pageURL: String) -> OutboundEmail {
        let greeting = "Hello\(order.customerName.map { " \($0)" } ?? ""),\n\n"
        let total = Money.format(order.amount, order.currency)
        switch notice {
        case .confirmed:
            var body = greeting + "We received your payment of \(total). Your order is confirmed:\n\n"
            for item in order.items { body += "- \(item.quantity) × \(item.name)\n" }
            body += "\nYour order: \(pageURL)\nReference: \(order.id)\n"
            return OutboundEmail(
                dedupeKey: "order_confirmed:\(order.id)", recipient: order.customerEmail, subject: "Your order is confirmed",
                body: body)
        case .failed(let reason):
            let body = greeting + """
                Your payment of \(total) did not go through (\(reason)), so your order was not processed and \
                nothing was taken. You can place it again at \(order.retryURL).

                Reference: \(order.id)

                """
            return OutboundEmail(
                dedupeKey: "order_failed:\(order.id)", recipient: order.customerEmail,
                subject: "Your payment did not go through", body: body)
        }
    }
}
