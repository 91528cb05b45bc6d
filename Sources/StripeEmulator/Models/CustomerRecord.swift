import StripeAPI

/// A customer as the emulator stores it.
struct CustomerRecord: Sendable {
    var id: String
    var created: Int
    var email: String?
    var name: String?
    var description: String?
    var metadata: [String: String]
    var defaultSource: String?
    var sourceIDs: [String] = []
    /// `invoice_settings.default_payment_method`: what subscriptions charge when they name none.
    var defaultPaymentMethod: String? = nil
    /// The test clock its subscriptions live by.
    var testClockID: String? = nil

    var json: JSONValue {
        [
            "id": .string(id), "object": "customer", "address": nil, "balance": 0, "created": .int(created),
            "currency": nil, "default_source": .string(defaultSource), "delinquent": false,
            "description": .string(description), "discount": nil, "email": .string(email),
            "invoice_prefix": .string(String(id.suffix(8)).uppercased()),
            "invoice_settings": [
                "custom_fields": nil, "default_payment_method": .string(defaultPaymentMethod), "footer": nil, "rendering_options": nil,
            ],
            "livemode": false, "metadata": .stringMap(metadata), "name": .string(name), "next_invoice_sequence": 1,
            "phone": nil, "preferred_locales": [], "shipping": nil, "tax_exempt": "none", "test_clock": .string(testClockID),
        ]
    }
}
