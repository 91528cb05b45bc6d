public import StripeAPI

extension EventRouter {
    /// The subscription handlers: every `customer.subscription.*` event and every paid or failed invoice brings
    /// the subscription to Stripe's current state (`SubscriptionKeeper.sync`), whatever the event's copy says,
    /// so events in any order, duplicated or stale, decide nothing wrong. Each acts on the event's account.
    public static func subscriptions(_ keeper: SubscriptionKeeper) -> EventRouter {
        var router = EventRouter()
        let keep: @Sendable (_ subscriptionID: String, _ account: String?) async throws -> String = { subscriptionID, account in
            switch try await keeper.onAccount(account).sync(subscriptionID: subscriptionID) {
            case .notPaidYet(let status): return "subscription \(subscriptionID) not paid yet (\(status))"
            case .notOurs(let reason): throw IgnoredEvent(reason: reason)
            case .unchanged(let stored): return "subscription \(subscriptionID) unchanged (\(stored.entitlement.access.rawValue))"
            case .changed(let stored, let changes):
                return "subscription \(subscriptionID) \(stored.entitlement.access.rawValue): \(changes.map(SubscriptionKeeper.name).joined(separator: ", "))"
            }
        }
        for type in [EventType.customerSubscriptionCreated, .customerSubscriptionUpdated, .customerSubscriptionDeleted] {
            router.on(type) { event in try await keep(try event.requireObjectID(), event.account) }
        }
        // An invoice event names the invoice: its subscription is read from Stripe (a thin event has the id only).
        for type in [EventType.invoicePaid, .invoicePaymentFailed] {
            router.on(type) { event in
                let invoice = try await keeper.onAccount(event.account).stripe.retrieveInvoice(try event.requireObjectID())
                guard let subscriptionID = invoice.subscription else {
                    throw IgnoredEvent(reason: "invoice \(invoice.id) belongs to no subscription")
                }
                return try await keep(subscriptionID, event.account)
            }
        }
        return router
    }
}
