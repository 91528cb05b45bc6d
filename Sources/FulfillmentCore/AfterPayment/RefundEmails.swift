public import StripeAPI

/// The customer's email when money goes back, for a Checkout Session or an order: one per refunded total (a
/// second partial refund is a second email; a duplicate event is not).
public enum RefundEmails {
    public static func refund(
        subjectID: String, to recipient: String?, name: String?, decision: AfterPaymentDecision, currency: String?,
        accessRevoked: Bool, pageURL: String
    ) -> OutboundEmail? {
        guard let recipient, decision.newlyRefunded > 0 else { return nil }
        let amount = currency.map { Money.format(decision.newlyRefunded, $0) } ?? "\(decision.newlyRefunded)"
        let full = decision.next.isFullyRefunded(chargeAmount: decision.chargeAmount)
        var body = "Hello\(name.map { " \($0)" } ?? ""),\n\n"
        body += full
            ? "We refunded your payment in full: \(amount) is on its way back to you.\n"
            : "We refunded \(amount) of your payment; it is on its way back to you.\n"
        if accessRevoked { body += "\nThe access that came with this order has ended.\n" }
        body += "\nYour order: \(pageURL)\nReference: \(subjectID)\n"
        return OutboundEmail(
            dedupeKey: "refund:\(subjectID):\(decision.next.refundedAmount)", recipient: recipient,
            subject: full ? "Your refund" : "Your partial refund", body: body)
    }
}
