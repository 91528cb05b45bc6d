import StripeAPI

/// A Payment Link: a URL (`/b/{id}`) that makes a new Checkout Session for every visitor, from the link's
/// line items and settings. Its sessions name it (`payment_link`) and have no `client_reference_id` unless
/// the URL carried one.
struct PaymentLinkRecord: Sendable {
    var id: String
    var created: Int
    var active = true
    /// The session parameters every visit uses (`line_items`, `custom_fields`, `consent_collection`, ...).
    var sessionParameters: [FormField]
    var metadata: [String: String]
    /// Where the customer goes after paying (`after_completion[redirect][url]`); a hosted confirmation if nil.
    var redirectURL: String?
    var url: String

    func json(lineItems: JSONValue) -> JSONValue {
        [
            "id": .string(id), "object": "payment_link", "active": .bool(active), "livemode": false, "created": .int(created),
            "metadata": .stringMap(metadata), "url": .string(url), "currency": nil, "line_items": lineItems,
            "after_completion": redirectURL.map { ["type": "redirect", "redirect": ["url": .string($0)]] }
                ?? ["type": "hosted_confirmation", "hosted_confirmation": ["custom_message": nil]],
            "allow_promotion_codes": .bool(sessionParameters.contains { $0.key == "allow_promotion_codes" && $0.value.stringValue == "true" }),
            "automatic_tax": ["enabled": false, "liability": nil], "billing_address_collection": "auto", "custom_fields": [],
            "custom_text": ["shipping_address": nil, "submit": nil, "after_submit": nil, "terms_of_service_acceptance": nil],
            "customer_creation": "if_required", "payment_method_collection": "always", "phone_number_collection": ["enabled": false],
            "shipping_options": [], "submit_type": "auto", "tax_id_collection": ["enabled": false],
        ]
    }
}

/// A coupon: a share (`percent_off`) or an amount (`amount_off`, in `currency`) off a Checkout Session.
struct CouponRecord: Sendable {
    var id: String
    var created: Int
    var percentOff: Double?
    var amountOff: Int?
    var currency: String?
    var name: String?

    /// The discount on `subtotal` (never more than it).
    func discount(on subtotal: Int, currency sessionCurrency: String) -> Int {
        if let percentOff { return min(subtotal, Int((Double(subtotal) * percentOff / 100).rounded())) }
        if let amountOff, currency == sessionCurrency { return min(subtotal, amountOff) }
        return 0
    }

    var json: JSONValue {
        [
            "id": .string(id), "object": "coupon", "created": .int(created), "duration": "once", "livemode": false,
            "percent_off": percentOff.map { .double($0) } ?? .null, "amount_off": .int(amountOff), "currency": .string(currency),
            "name": .string(name), "valid": true, "metadata": [:], "times_redeemed": 0,
        ]
    }
}

/// A customer-facing code for a coupon, typed on the checkout page of a session that allows promotion codes.
struct PromotionCodeRecord: Sendable {
    var id: String
    var created: Int
    var code: String
    var couponID: String
    var active = true

    func json(coupon: JSONValue) -> JSONValue {
        [
            "id": .string(id), "object": "promotion_code", "created": .int(created), "code": .string(code), "coupon": coupon,
            "active": .bool(active), "livemode": false, "metadata": [:], "times_redeemed": 0, "customer": nil, "expires_at": nil,
            "max_redemptions": nil,
            "restrictions": ["first_time_transaction": false, "minimum_amount": nil, "minimum_amount_currency": nil, "currency_options": [:]],
        ]
    }
}

/// A custom field of a Checkout Session: what the merchant asks (`text`, `numeric` or `dropdown`) and the answer.
struct CustomFieldRecord: Sendable {
    var key: String
    var label: String
    var type: String
    var optional: Bool
    var options: [String]
    var value: String?

    var json: JSONValue {
        var json: JSONValue = [
            "key": .string(key), "label": ["type": "custom", "custom": .string(label)], "type": .string(type), "optional": .bool(optional),
        ]
        switch type {
        case "dropdown":
            json["dropdown"] = [
                "options": .array(options.map { ["label": .string($0), "value": .string($0)] }), "value": .string(value),
            ]
        case "numeric": json["numeric"] = ["value": .string(value), "maximum_length": nil, "minimum_length": nil]
        default: json["text"] = ["value": .string(value), "maximum_length": nil, "minimum_length": nil]
        }
        return json
    }
}
