public import StripeAPI

/// What a Checkout Session says beside what was bought, for the merchant's notifications and the timeline:
/// the Payment Link that made it, the expired session it recovers (or, expired itself, the URL that recovers
/// it), the customer's answers to the merchant's custom fields, and the consents given.
public struct CheckoutDetails: Sendable, Hashable {
    public var paymentLink: String?
    public var recoveredFrom: String?
    /// An expired session that may still be recovered: its recovery URL (not a lost sale yet).
    public var recoveryURL: String?
    public var customFields: [CheckoutSession.CustomField]
    public var consent: CheckoutSession.Consent?

    public init(_ session: CheckoutSession) {
        paymentLink = session.paymentLink
        recoveredFrom = session.recoveredFrom
        recoveryURL = session.status == .expired && session.recovery?.enabled == true ? session.recovery?.url : nil
        customFields = session.customFields
        consent = session.consent
    }

    /// Whether there is anything to say.
    public var isEmpty: Bool {
        paymentLink == nil && recoveredFrom == nil && recoveryURL == nil && customFields.isEmpty && consent == nil
    }

    /// One line for the timeline.
    public var summary: String {
        var parts: [String] = []
        if let paymentLink { parts.append("from Payment Link \(paymentLink)") }
        if let recoveredFrom { parts.append("recovers \(recoveredFrom)") }
        if recoveryURL != nil { parts.append("recoverable") }
        for field in customFields { parts.append("\(field.label ?? field.key): \(field.value ?? "—")") }
        if let terms = consent?.termsOfService { parts.append("terms of service \(terms)") }
        if let promotions = consent?.promotions { parts.append("promotions \(promotions)") }
        return parts.joined(separator: "; ")
    }
}
