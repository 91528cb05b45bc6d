import StripeAPI

/// A connected account (Connect) the platform made: its objects and events are its own, reached with
/// `Stripe-Account`.
struct AccountRecord: Sendable {
    var id: String
    var created: Int
    var type: String
    var country: String
    var email: String?
    var businessName: String?
    var metadata: [String: String]

    var json: JSONValue {
        [
            "id": .string(id), "object": "account", "type": .string(type), "country": .string(country),
            "email": .string(email), "created": .int(created), "default_currency": "eur", "charges_enabled": true,
            "payouts_enabled": true, "details_submitted": true, "metadata": .stringMap(metadata),
            "business_profile": ["name": .string(businessName), "url": nil, "support_email": .string(email)],
            "capabilities": ["card_payments": "active", "transfers": "active"],
            "settings": ["dashboard": ["display_name": .string(businessName)]],
        ]
    }
}
