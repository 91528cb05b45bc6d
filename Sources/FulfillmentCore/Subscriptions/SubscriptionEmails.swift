public import Foundation

/// The customer emails of a subscription, as plain text in the customer's language: the welcome (what it
/// grants, with the access links), each renewal, a failed renewal (with the invoice's payment link), the end.
/// Each is keyed by what makes it unique (the subscription, the invoice), so it is sent once.
public enum SubscriptionEmails {
    public static func welcome(
        _ subscription: StoredSubscription, lines: [FulfilledLine], texts: Texts
    ) -> OutboundEmail? {
        guard let recipient = subscription.customerEmail else { return nil }
        var body = CheckoutEmails.greeting(subscription.customerName, texts) + "\n\n" + texts("subscription_welcome_intro") + "\n\n"
        for line in lines {
            body += "- \(line.quantity) × \(line.description): \(CheckoutEmails.describe(line.outcome, texts))\n"
        }
        let until = texts.date(subscription.entitlement.validUntil)
        body += "\n" + texts(subscription.entitlement.cancelAtPeriodEnd ? "subscription_ends_on" : "subscription_renews_on", ["date": until]) + "\n"
        body += "\n" + texts("email_reference", ["reference": subscription.id]) + "\n"
        return OutboundEmail(
            dedupeKey: "subscription_welcome:\(subscription.id)", recipient: recipient, subject: texts("subscription_welcome_subject"), body: body)
    }

    public static func renewed(
        _ subscription: StoredSubscription, invoice: SubscriptionFact.Invoice, lines: [FulfilledLine], texts: Texts
    ) -> OutboundEmail? {
        guard let recipient = subscription.customerEmail else { return nil }
        let until = texts.date(invoice.periodEnd ?? subscription.entitlement.validUntil)
        var body = CheckoutEmails.greeting(subscription.customerName, texts) + "\n\n"
            + texts("subscription_renewed_intro", ["amount": texts.money(invoice.amount, invoice.currency), "date": until]) + "\n"
        let delivered = lines.filter { if case .accessGranted = $0.outcome { false } else { true } }
        if !delivered.isEmpty {
            body += "\n"
            for line in delivered { body += "- \(line.quantity) × \(line.description): \(CheckoutEmails.describe(line.outcome, texts))\n" }
        }
        body += "\n" + texts("email_reference", ["reference": invoice.id]) + "\n"
        return OutboundEmail(
            dedupeKey: "subscription_renewed:\(invoice.id)", recipient: recipient, subject: texts("subscription_renewed_subject"), body: body)
    }

    public static func paymentFailed(
        _ subscription: StoredSubscription, invoice: SubscriptionFact.Invoice, graceEnds: Date, texts: Texts
    ) -> OutboundEmail? {
        guard let recipient = subscription.customerEmail else { return nil }
        let body = CheckoutEmails.greeting(subscription.customerName, texts) + "\n\n"
            + texts(
                "subscription_failed_body",
                [
                    "amount": texts.money(invoice.amount, invoice.currency), "date": texts.date(graceEnds),
                    "url": invoice.hostedURL ?? "-",
                ]) + "\n\n" + texts("email_reference", ["reference": invoice.id]) + "\n"
        return OutboundEmail(
            dedupeKey: "subscription_payment_failed:\(invoice.id)", recipient: recipient, subject: texts("subscription_failed_subject"),
            body: body)
    }

    public static func ended(_ subscription: StoredSubscription, texts: Texts) -> OutboundEmail? {
        guard let recipient = subscription.customerEmail else { return nil }
        let body = CheckoutEmails.greeting(subscription.customerName, texts) + "\n\n" + texts("subscription_ended_body") + "\n\n"
            + texts("email_reference", ["reference": subscription.id]) + "\n"
        return OutboundEmail(
            dedupeKey: "subscription_ended:\(subscription.id)", recipient: recipient, subject: texts("subscription_ended_subject"), body: body)
    }
}
