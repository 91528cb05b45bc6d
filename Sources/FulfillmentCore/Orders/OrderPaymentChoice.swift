import StripeAPI

/// How the customer pays one attempt: the method and its details, from an order request or a new attempt
/// (`POST /api/orders/{id}/payment`), checked before anything reaches Stripe.
public struct OrderPaymentChoice: Sendable, Hashable, Decodable {
    /// `ideal`, `bancontact`, `sepa_debit` or `card` (`sofort` only on the Sources flow).
    public var paymentMethod: String
    public var idealBank: String?
    public var iban: String?
    /// A PaymentMethod made by Stripe.js (a card), or one the customer saved.
    public var paymentMethodID: String?
    /// The customer accepted the SEPA Direct Debit mandate.
    public var mandateAccepted: Bool?

    public init(
        paymentMethod: String, idealBank: String? = nil, iban: String? = nil, paymentMethodID: String? = nil, mandateAccepted: Bool? = nil
    ) {
        self.paymentMethod = paymentMethod
        self.idealBank = idealBank
        self.iban = iban
        self.paymentMethodID = paymentMethodID
        self.mandateAccepted = mandateAccepted
    }

    enum CodingKeys: String, CodingKey {
        case iban
        case paymentMethod = "payment_method"
        case idealBank = "ideal_bank"
        case paymentMethodID = "payment_method_id"
        case mandateAccepted = "mandate_accepted"
    }

    /// The method, checked for a PaymentIntent: SOFORT refused (Stripe ended it), a card from Stripe.js, an
    /// IBAN whose checksum holds and the mandate accepted (unless off-session or a saved method).
    public func checkedForPaymentIntent(offSession: Bool = false) throws(OrderRequestError) -> OrderPaymentMethod {
        guard let method = OrderPaymentMethod(rawValue: paymentMethod) else {
            throw OrderRequestError("payment_method must be one of bancontact, card, ideal, sepa_debit")
        }
        for value in [idealBank, iban, paymentMethodID] {
            if let value, value.count > 64 { throw OrderRequestError("payment details are at most 64 characters") }
        }
        if let paymentMethodID, !OrderRequest.isStripeID(paymentMethodID, prefix: "pm_") {
            throw OrderRequestError("payment_method_id must be a Stripe PaymentMethod id (pm_...)")
        }
        switch method {
        case .sofort:
            throw OrderRequestError(
                "SOFORT was discontinued by Stripe on 31 March 2025 and PaymentIntents refuse it; choose ideal, bancontact, "
                    + "sepa_debit or card")
        case .card where paymentMethodID == nil:
            throw OrderRequestError("a card payment needs payment_method_id (a PaymentMethod Stripe.js made in the browser)")
        case .sepaDebit where paymentMethodID == nil:
            guard let iban, IBAN(iban) != nil else { throw OrderRequestError("iban is not a valid IBAN (its check digits do not hold)") }
            guard mandateAccepted == true || offSession else {
                throw OrderRequestError("a SEPA debit needs the customer's acceptance of the mandate (mandate_accepted: true)")
            }
        default:
            break
        }
        return method
    }
}
