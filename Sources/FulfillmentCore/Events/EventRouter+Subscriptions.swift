import Foundation
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
        // An invoice event names the invoice: its subscription's id is read from the snapshot's copy (an id only:
        // the state is fetched), or from Stripe for a thin event, which has the invoice's id alone.
        for type in [EventType.invoicePaid, .invoicePaymentFailed] {
            router.on(type) { event in
                let invoiceID = try event.requireObjectID()
                var subscriptionID = Self.subscriptionOfInvoice(in: event)
                if subscriptionID == nil { subscriptionID = try await keeper.onAccount(event.account).stripe.retrieveInvoice(invoiceID).subscription }
                guard let subscriptionID else { throw IgnoredEvent(reason: "invoice \(invoiceID) belongs to no subscription") }
                return try await keep(subscriptionID, event.account)
            }
        }
        return router
    }

    /// The subscription a snapshot invoice event's copy names; nil for a thin event (or an invoice of none).
    static func subscriptionOfInvoice(in event: InboxEvent) -> String? {
        struct Snapshot: Decodable {
            struct Payload: Decodable { var object: Invoice }
            var data: Payload
        }
        return (try? JSONDecoder().decode(Snapshot.self, from: event.payload))?.data.object.subscription
    }
}
