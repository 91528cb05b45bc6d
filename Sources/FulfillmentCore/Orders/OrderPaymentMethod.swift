/// How an order is paid, in the Sources and Charges flow: a redirect to the customer's bank (iDEAL, SOFORT,
/// Bancontact), a SEPA debit, or a card token. Stored by its raw value (`orders.payment_method`).
public enum OrderPaymentMethod: String, Sendable, Hashable, Codable, CaseIterable {
    case ideal
    case sofort
    case bancontact
    case sepaDebit = "sepa_debit"
    case card

    /// The customer authorises the payment on their bank's page and comes back.
    public var isRedirect: Bool {
        switch self {
        case .ideal, .sofort, .bancontact: true
        case .sepaDebit, .card: false
        }
    }

    /// Whether a source of this method may be kept for later payments (`usage: reusable`).
    public var allowsReuse: Bool { self == .card || self == .sepaDebit }
}
