import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// The order book's contract, on every store: orders found by id, source and charge, unique, changed only
/// at their version, anomalies recorded once.
@Suite struct OrderBookContractTests: StoreContract {
    @Test(arguments: TestStores.kinds)
    func ordersAreFoundByIdSourceAndChargeAndRoundTrip(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            let created = order("ord_a", source: "src_a")
            try await store.insertOrder(created)
            #expect(try await store.order(id: "ord_a") == created)
            #expect(try await store.order(sourceID: "src_a") == created)
            #expect(try await store.order(chargeID: "ch_a") == nil)
            #expect(try await store.order(id: "ord_missing") == nil)

            let decision = created.applying(.charge(id: "ch_a", status: .succeeded, failureMessage: nil), now: t0.addingTimeInterval(5))
            #expect(try await store.updateOrder(decision.order, expectedVersion: 1, outgoing: .nothing, anomaly: nil, now: t0))
            let paid = try #require(try await store.order(chargeID: "ch_a"))
            #expect(paid == decision.order)
            #expect(paid.status == .paid && paid.version == 2 && paid.paidAt == t0.addingTimeInterval(5))
        }
    }

    @Test(arguments: TestStores.kinds)
    func sourceIdsAndOrderIdsAreUnique(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            try await store.insertOrder(order("ord_a", source: "src_a"))
            await #expect(throws: (any Error).self) { try await store.insertOrder(order("ord_b", source: "src_a")) }
            await #expect(throws: (any Error).self) { try await store.insertOrder(order("ord_a", source: "src_b")) }
            #expect(try await store.order(id: "ord_b") == nil)
        }
    }

    @Test(arguments: TestStores.kinds)
    func aChargeIdBelongsToOneOrder(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            let first = order("ord_a", source: "src_a"), second = order("ord_b", source: "src_b")
            try await store.insertOrder(first)
            try await store.insertOrder(second)
            let charged = first.applying(.charge(id: "ch_1", status: .pending, failureMessage: nil), now: t0).order
            #expect(try await store.updateOrder(charged, expectedVersion: 1, outgoing: .nothing, anomaly: nil, now: t0))
            let stolen = second.applying(.charge(id: "ch_1", status: .pending, failureMessage: nil), now: t0).order
            await #expect(throws: (any Error).self) {
                try await store.updateOrder(stolen, expectedVersion: 1, outgoing: .nothing, anomaly: nil, now: t0)
            }
            #expect(try await store.order(chargeID: "ch_1")?.id == "ord_a")
        }
    }

    @Test(arguments: TestStores.kinds)
    func aStaleVersionChangesNothingAndQueuesNoEmail(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            let created = order("ord_a", source: "src_a")
            try await store.insertOrder(created)
            let email = OutboundEmail(dedupeKey: "order_failed:ord_a", recipient: "sam@example.com", subject: "s", body: "b")
            let canceled = created.applying(.source(id: "src_a", status: .failed, failureReason: nil), now: t0).order
            let paid = created.applying(.charge(id: "ch_1", status: .succeeded, failureMessage: nil), now: t0).order
            #expect(try await store.updateOrder(canceled, expectedVersion: 1, outgoing: Outgoing(emails: [email]), anomaly: nil, now: t0))
            // A concurrent handler decided on version 1 too: it loses, and its email is not queued.
            let confirmation = OutboundEmail(dedupeKey: "order_confirmed:ord_a", recipient: "sam@example.com", subject: "s", body: "b")
            let loser = Dispatch(id: "fev_loser", channel: "merchant", type: "order.paid", subjectID: "ord_a", payload: Data("{}".utf8))
            #expect(try await store.updateOrder(paid, expectedVersion: 1, outgoing: Outgoing(emails: [confirmation], dispatches: [loser]), anomaly: nil, now: t0) == false)
            #expect(try await store.order(id: "ord_a")?.status == .canceled)
            #expect(try await store.emails(dedupeKeyPrefix: "order_").map(\.email.dedupeKey) == ["order_failed:ord_a"])
            #expect(try await store.dispatches(status: nil, subjectID: "ord_a", limit: 10).isEmpty)
        }
    }

    @Test(arguments: TestStores.kinds)
    func anomaliesAreRecordedOnceEach(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            let created = order("ord_a", source: "src_a")
            try await store.insertOrder(created)
            #expect(try await store.updateOrder(created, expectedVersion: 1, outgoing: .nothing, anomaly: "late cancel", now: t0))
            #expect(try await store.updateOrder(created, expectedVersion: 1, outgoing: .nothing, anomaly: "late cancel", now: t0))
            #expect(try await store.updateOrder(created, expectedVersion: 1, outgoing: .nothing, anomaly: "second charge", now: t0.addingTimeInterval(5)))
            #expect(try await store.orderAnomalies(orderID: "ord_a") == ["late cancel", "second charge"])
            #expect(
                try await store.recentAnomalies(limit: 10)
                    == [
                        OrderAnomaly(orderID: "ord_a", detail: "second charge", recordedAt: t0.addingTimeInterval(5)),
                        OrderAnomaly(orderID: "ord_a", detail: "late cancel", recordedAt: t0),
                    ])
        }
    }
}

/// PaymentIntent orders in the order book, on every store: found by their PaymentIntent, unique by it, and
/// listed for the payment window's sweep (only this flow's orders still awaiting payment, oldest first).
@Suite struct PaymentIntentOrderBookContractTests: StoreContract {
    func intentOrder(_ id: String, intent: String, createdAt: Date) -> Order {
        Order(
            id: id, amount: 2500, currency: "eur", customerEmail: "sam@example.com", items: [OrderItem(name: "Bulbs", quantity: 2, unitAmount: 1250)],
            paymentMethod: .ideal, usage: .singleUse, paymentFlow: .paymentIntents, paymentIntentID: intent,
            paymentIntentStatus: .requiresAction, redirectURL: "https://bank.example/\(intent)", retryURL: "https://shop.example",
            createdAt: createdAt)
    }

    @Test(arguments: TestStores.kinds)
    func paymentIntentOrdersRoundTripAndAreFoundByTheirIntent(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            let created = intentOrder("ord_p", intent: "pi_p", createdAt: t0)
            try await store.insertOrder(created)
            #expect(try await store.order(id: "ord_p") == created)
            #expect(try await store.order(paymentIntentID: "pi_p") == created)
            #expect(try await store.order(paymentIntentID: "pi_missing") == nil)
            await #expect(throws: (any Error).self) { try await store.insertOrder(intentOrder("ord_q", intent: "pi_p", createdAt: t0)) }

            let failed = created.applying(
                .paymentIntent(id: "pi_p", status: .requiresPaymentMethod, latestCharge: "ch_f", failure: "declined", redirectURL: nil), now: t0)
            #expect(try await store.updateOrder(failed.order, expectedVersion: 1, outgoing: .nothing, anomaly: nil, now: t0))
            let stored = try #require(try await store.order(id: "ord_p"))
            #expect(stored == failed.order && stored.canPayAgain && stored.failedAttempt == "ch_f" && stored.sourceID == nil)
        }
    }

    @Test(arguments: TestStores.kinds)
    func theSweepListsOnlyOverdueOrdersOfTheFlowStillAwaitingPayment(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            try await store.insertOrder(intentOrder("ord_old", intent: "pi_old", createdAt: t0))
            try await store.insertOrder(intentOrder("ord_older", intent: "pi_older", createdAt: t0.addingTimeInterval(-60)))
            try await store.insertOrder(intentOrder("ord_new", intent: "pi_new", createdAt: t0.addingTimeInterval(3600)))
            try await store.insertOrder(order("ord_src", source: "src_1"))
            let paid = intentOrder("ord_paid", intent: "pi_paid", createdAt: t0)
            try await store.insertOrder(paid)
            let decision = paid.applying(
                .paymentIntent(id: "pi_paid", status: .succeeded, latestCharge: "ch_p", failure: nil, redirectURL: nil), now: t0)
            #expect(try await store.updateOrder(decision.order, expectedVersion: 1, outgoing: .nothing, anomaly: nil, now: t0))

            let overdue = try await store.ordersAwaitingPayment(flow: .paymentIntents, createdBefore: t0.addingTimeInterval(1), limit: 10)
            #expect(overdue.map(\.id) == ["ord_older", "ord_old"])
            #expect(try await store.ordersAwaitingPayment(flow: .paymentIntents, createdBefore: t0.addingTimeInterval(1), limit: 1).map(\.id) == ["ord_older"])
            let sources = try await store.ordersAwaitingPayment(flow: .sources, createdBefore: t0.addingTimeInterval(1), limit: 10)
            #expect(sources.map(\.id) == ["ord_src"])
        }
    }
}
