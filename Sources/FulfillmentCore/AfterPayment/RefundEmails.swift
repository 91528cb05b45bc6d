public import StripeAPI

/// The customer's email when money goes back, for a Checkout Session or an order, in the customer's language:
/// one per refunded total (a second partial refund is a second email; a duplicate event is not).
public enum RefundEmails {
    public static func refund(
        subjectID: String, to recipient: String?, name: String?, decision: AfterPaymentDecision, currency: String?,
        accessRevoked: Bool, pageURL: String, texts: Texts = CustomerLanguage.en.texts
    ) -> OutboundEmail? {
        guard let recipient, decision.newlyRefunded > 0 else { return nil }
        let amount = currency.map { texts.money(decision.newlyRefunded, $0) } ?? "\(decision.newlyRefunded)"
        let full = decision.next.isFullyRefunded(chargeAmount: decision.chargeAmount)
        var body = CheckoutEmails.greeting(name, texts) + "\n\n"
        body += texts(full ? "refund_full" : "refund_partial", ["amount": amount]) + "\n"
        if accessRevoked { body += "\n" + texts("refund_access_ended") + "\n" }
        body += "\n" + texts("email_your_order", ["url": pageURL]) + "\n" + texts("email_reference", ["reference": subjectID]) + "\n"
        return OutboundEmail(
            dedupeKey: "refund:\(subjectID):\(decision.next.refundedAmount)", recipient: recipient,
            subject: texts(full ? "refund_subject" : "refund_subject_partial"), body: body)
    }
}
