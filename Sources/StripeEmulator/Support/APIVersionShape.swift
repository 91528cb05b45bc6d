import StripeAPI

/// Answers in the shape of the request's `Stripe-Version`, as Stripe does: without the header, the account's
/// version (the emulator's account is on 2023-08-16, as its webhooks are). From 2025-03-31.basil on, a
/// Checkout Session's `shipping_details` lives in `collected_information.shipping_details`.
enum APIVersionShape {
    /// The emulator account's version: requests without `Stripe-Version`, events and webhooks.
    static let accountDefault = "2023-08-16"
    /// The first version whose Checkout Sessions keep the shipping in `collected_information`.
    static let collectedInformation = "2025-03-31"

    /// Whether `version` (such as `2026-10-28.endive`) is `since` or later. Versions are dates first.
    static func version(_ version: String, isAtLeast since: String) -> Bool {
        String(version.prefix(10)) >= since
    }

    /// Whether `text` reads as an API version: a date, then optionally a release name (`2026-10-28.endive`).
    static func isVersion(_ text: String) -> Bool {
        let date = text.prefix(10)
        guard date.count == 10, date.enumerated().allSatisfy({ index, character in
            [4, 7].contains(index) ? character == "-" : character.isASCII && character.isNumber
        }) else { return false }
        let rest = text.dropFirst(10)
        return rest.isEmpty || (rest.first == "." && rest.count <= 20 && rest.dropFirst().allSatisfy { $0.isASCII && $0.isLetter })
    }

    /// `body` reshaped for `version`: every object in it, at any depth (lists, expansions, errors). Objects are
    /// rendered in the account's version; a request or an endpoint on it (every webhook by default) costs no
    /// walk. From 2025-03-31.basil: a Checkout Session's shipping is in `collected_information`; a
    /// subscription's period is on its items; an invoice names its subscription under
    /// `parent.subscription_details` and no longer carries `subscription`, `charge`, `payment_intent` or `paid`,
    /// nor its lines their `price`.
    static func shape(_ body: JSONValue, for version: String) -> JSONValue {
        guard Self.version(version, isAtLeast: collectedInformation) else { return body }
        return reshaped(body)
    }

    private static func reshaped(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let items):
            return .array(items.map(reshaped))
        case .object(var fields):
            for (key, field) in fields { fields[key] = reshaped(field) }
            switch fields["object"]?.stringValue {
            case "checkout.session":
                let shipping = fields.removeValue(forKey: "shipping_details") ?? .null
                fields["collected_information"] = ["shipping_details": shipping, "business_name": nil, "individual_name": nil]
            case "subscription":
                let start = fields.removeValue(forKey: "current_period_start") ?? .null
                let end = fields.removeValue(forKey: "current_period_end") ?? .null
                if case .array(var items)? = fields["items"]?["data"] {
                    for index in items.indices {
                        items[index]["current_period_start"] = start
                        items[index]["current_period_end"] = end
                    }
                    fields["items"]?["data"] = .array(items)
                }
            case "line_item":
                fields["price"] = nil
            case "invoice":
                let subscription = fields["subscription"] ?? .null
                fields["parent"] = [
                    "type": "subscription_details", "subscription_details": ["subscription": subscription, "metadata": [:]], "quote_details": nil,
                ]
                for key in ["subscription", "charge", "payment_intent", "paid"] { fields[key] = nil }
            default:
                break
            }
            return .object(fields)
        default:
            return value
        }
    }
}
