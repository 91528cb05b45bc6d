import StripeAPI

/// A PaymentMethod as the emulator stores it: a card (from a token, a number or one of Stripe's `pm_card_...`
/// test ids), an iDEAL or Bancontact authorisation, or a SEPA debit account. What paying with it will do
/// (succeed, be declined, ask for 3-D Secure, settle later) is decided by the test details it was made from.
struct PaymentMethodRecord: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case card, ideal, bancontact
        case sepaDebit = "sepa_debit"

        /// Whether it can be attached to a customer for later payments (bank redirects cannot: Stripe saves
        /// them as the SEPA debit they generate).
        var isReusable: Bool { self == .card || self == .sepaDebit }
    }

    /// What a payment with this method does.
    enum Outcome: Sendable, Hashable {
        case succeeds
        case declines
        /// The customer must authenticate first (3-D Secure on a card, the bank's page for a redirect).
        case requiresAction
        /// A debit that settles (or fails) after the settlement delay.
        case settlesLater(succeeds: Bool)
    }

    var id: String
    var created: Int
    var kind: Kind
    var customerID: String?
    var billingName: String?
    var billingEmail: String?
    var metadata: [String: String]
    var card: (brand: String, last4: String, expMonth: Int, expYear: Int)?
    var idealBank: String?
    var iban: String?
    var outcome: Outcome
    /// `pm_card_chargeCustomerFail`: pays a subscription's first invoice, then every renewal fails.
    var failsRenewals = false
    /// The charge an iDEAL or Bancontact payment made this SEPA debit method from (`generated_from.charge`).
    var generatedFromCharge: String?

    var json: JSONValue {
        var object: JSONValue = [
            "id": .string(id), "object": "payment_method", "created": .int(created), "customer": .string(customerID),
            "livemode": false, "metadata": .stringMap(metadata), "type": .string(kind.rawValue),
            "billing_details": [
                "address": ["city": nil, "country": nil, "line1": nil, "line2": nil, "postal_code": nil, "state": nil],
                "email": .string(billingEmail), "name": .string(billingName), "phone": nil,
            ],
        ]
        switch kind {
        case .card:
            let card = card ?? ("Visa", "4242", 12, 2034)
            object["card"] = [
                "brand": .string(card.brand.lowercased()),
                "checks": ["address_line1_check": nil, "address_postal_code_check": nil, "cvc_check": "pass"],
                "country": "US", "exp_month": .int(card.expMonth), "exp_year": .int(card.expYear),
                "fingerprint": .string("fp\(card.brand.prefix(2))\(card.last4)"), "funding": "credit", "generated_from": nil,
                "last4": .string(card.last4),
                "networks": ["available": .array([.string(card.brand.lowercased())]), "preferred": nil],
                "three_d_secure_usage": ["supported": true], "wallet": nil,
            ]
        case .ideal:
            object["ideal"] = ["bank": .string(idealBank), "bic": nil]
        case .bancontact:
            object["bancontact"] = [:]
        case .sepaDebit:
            let iban = self.iban ?? ""
            object["sepa_debit"] = [
                "bank_code": .string(String(iban.dropFirst(4).prefix(8))), "branch_code": "",
                "country": .string(String(iban.prefix(2))), "fingerprint": .string("fp\(iban.suffix(8))"),
                "generated_from": ["charge": .string(generatedFromCharge), "setup_attempt": nil], "last4": .string(String(iban.suffix(4))),
            ]
        }
        return object
    }
}
