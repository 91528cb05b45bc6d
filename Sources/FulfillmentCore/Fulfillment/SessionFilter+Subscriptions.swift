public import StripeAPI

extension SessionFilter {
    /// Whether every session (and subscription) is ours: no condition to check.
    public var takesEverything: Bool { conditions.isEmpty }

    /// Why a subscription (on `account`) is not ours, or nil when it is. One a Checkout Session started is ours
    /// when its session is; one the merchant's code made through the API is held to the metadata and account
    /// conditions on its own metadata, and fails those only a session can meet (a client reference id, a
    /// Payment Link): another integration's subscriptions (a subscription app on the same account) are left alone.
    public func reasonToIgnore(subscription: Subscription, startedBy session: CheckoutSession?, account: String? = nil) -> String? {
        if let session { return reasonToIgnore(session, account: account) }
        for condition in conditions {
            switch condition {
            case .metadataEquals(let key, let value) where subscription.metadata[key] != value:
                let actual = subscription.metadata[key].map { "'\($0)'" } ?? "absent"
                return "not ours: FULFILL_WHEN wants metadata.\(key)=\(value), subscription \(subscription.id) has metadata.\(key) \(actual)"
            case .metadataPresent(let key) where (subscription.metadata[key] ?? "").isEmpty:
                return "not ours: FULFILL_WHEN wants metadata.\(key), subscription \(subscription.id) has none"
            case .clientReferencePresent:
                return "not ours: FULFILL_WHEN wants a client_reference_id, and subscription \(subscription.id) was made without a Checkout Session"
            case .paymentLink:
                return "not ours: FULFILL_WHEN wants a Payment Link, and subscription \(subscription.id) was made without one"
            case .accountIn(let accounts) where !accounts.contains(account):
                return "not ours: FULFILL_WHEN wants the subscription on \(accounts.map { $0 ?? "platform" }.sorted().joined(separator: " or ")), it is on \(account ?? "the platform")"
            default:
                continue
            }
        }
        return nil
    }
}
