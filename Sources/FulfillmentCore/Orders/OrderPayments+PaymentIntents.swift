public import Foundation
import Logging
public import StripeAPI

extension OrderPayments {
    /// `payment_intent.*`: re-fetches the PaymentIntent and applies it to its order (found by id, or by the
    /// order id in its metadata). A PaymentIntent of no order (a Checkout Session's) is left to the session's
    /// own events.
    public func paymentIntentChanged(intentID: String) async throws -> String {
        let intent = try await stripe.retrievePaymentIntent(intentID)
        guard let order = try onThisAccount(try await findOrder(paymentIntent: intent)) else {
            if intent.metadata["order_id"] == nil { return Self.noOrderNote(intent.id) }
            throw OrphanEventError("no order for PaymentIntent \(intent.id)")
        }
        return try await apply(intent, to: order).note
    }

    /// What a charge event of a PaymentIntent order records, when the order is ours and on that intent: nothing
    /// to do (its `payment_intent.*` events decide). `nil` otherwise: the charge is looked at as any other.
    public func paymentIntentOrderChargeNote(orderID: String, paymentIntent: String) async throws -> String? {
        guard let order = try await store.order(id: orderID), order.paymentFlow == .paymentIntents, order.paymentIntentID == paymentIntent
        else { return nil }
        return "charge of \(paymentIntent), order \(orderID)'s PaymentIntent: its payment_intent events decide"
    }

    /// What a PaymentIntent event of no order (a Checkout payment's) records: nothing for orders.
    static func noOrderNote(_ intentID: String) -> String {
        "PaymentIntent \(intentID) is no order's (a Checkout payment): nothing for orders"
    }

    static func fact(_ intent: PaymentIntent) -> OrderFact {
        .paymentIntent(
            id: intent.id, status: intent.status, latestCharge: intent.latestCharge, failure: intent.lastPaymentError.map {
                $0.message ?? $0.code ?? "declined"
            }, redirectURL: intent.redirectURL)
    }

    @discardableResult
    func apply(_ intent: PaymentIntent, to order: Order) async throws -> OrderDecision {
        try await apply(Self.fact(intent), to: order)
    }

    func findOrder(paymentIntent intent: PaymentIntent) async throws -> Order? {
        if let order = try await store.order(paymentIntentID: intent.id) { return order }
        if let orderID = intent.metadata["order_id"], let order = try await store.order(id: orderID), order.paymentIntentID == intent.id {
            return order
        }
        return nil
    }

    /// Records the method of a new attempt (compare-and-set, nothing sent).
    func record(method: OrderPaymentMethod, on order: Order) async throws -> Order {
        var current = order
        for _ in 0..<8 {
            guard current.paymentMethod != method else { return current }
            var next = current
            next.paymentMethod = method
            next.version += 1
            next.updatedAt = now()
            if try await store.updateOrder(next, expectedVersion: current.version, outgoing: Outgoing(), anomaly: nil, now: now()) {
                return next
            }
            guard let reread = try await store.order(id: order.id) else { throw OrphanEventError("order \(order.id) vanished") }
            current = reread
        }
        throw OrderContentionError(orderID: order.id)
    }
}

extension EventRouter {
    /// The PaymentIntent flow's handlers: each re-fetches the intent. An intent whose event copy names no order
    /// (a Checkout Session's) is noted without a Stripe request: the order id we set never changes.
    public static func paymentIntentOrders(_ payments: OrderPayments) -> EventRouter {
        var router = EventRouter()
        for type in [
            EventType.paymentIntentRequiresAction, .paymentIntentProcessing, .paymentIntentSucceeded, .paymentIntentPaymentFailed,
            .paymentIntentCanceled,
        ] {
            router.on(type) { event in
                if let intent = event.paymentIntentOfNoOrder { return OrderPayments.noOrderNote(intent) }
                return try await payments.onAccount(event.account).paymentIntentChanged(intentID: try event.requireObjectID())
            }
        }
        return router
    }
}

extension InboxEvent {
    /// The PaymentIntent of a `payment_intent.*` event whose copy carries no order id.
    var paymentIntentOfNoOrder: String? {
        guard let object = (try? JSONValue.parse(payload))?["data"]?["object"], object["object"]?.stringValue == "payment_intent",
            object["metadata"]?["order_id"]?.stringValue == nil
        else { return nil }
        return object["id"]?.stringValue
    }
}
