import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// The dispatch queue's contract (merchant notifications, action effects), on every store: queued with the
/// change it reports or not at all, once per id, claimed under a lease, retried, parked dead, replayed, counted.
@Suite struct DispatchOutboxContractTests: StoreContract {
    @Test(arguments: TestStores.kinds)
    func aFulfilmentQueuesItsNotificationOnceWithTheLedger(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            let plan = StoreFixtures.plan(lines: [StoreFixtures.line("li_1", .grantAccess)])
            guard case .committed = try await store.commitFulfillment(plan) else {
                Issue.record("first commit should fulfil")
                return
            }
            guard case .alreadyFulfilled = try await store.commitFulfillment(plan) else {
                Issue.record("second commit should find it fulfilled")
                return
            }
            let queued = try await store.dispatches(status: nil, subjectID: "cs_test_1", limit: 10)
            #expect(queued.count == 1)
            let entry = try #require(queued.first)
            #expect(entry.dispatch.id == MerchantNotifier.eventID(.checkoutFulfilled, fact: "cs_test_1"))
            #expect(entry.dispatch.type == "checkout.fulfilled" && entry.status == .pending && entry.attempts == 0)
            let body = try JSONValue.parse(entry.dispatch.payload)
            #expect(body["id"]?.stringValue == entry.dispatch.id)
            let line = body["data"]?["object"]?["lines"]?.arrayValue?.first
            #expect(line?["action"]?.stringValue == "digital")
            #expect(line?["outcome"]?.stringValue == "access_granted")
        }
    }

    @Test(arguments: TestStores.kinds)
    func aRefusedTransitionQueuesNothingAndAnAppliedOneQueuesOnce(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            func expire(_ id: String) -> PurchaseTransition {
                PurchaseTransition(
                    subjectID: "cs_test_2", kind: .checkoutSession, to: .expired, customerEmail: nil, customerName: nil, amountTotal: 100, currency: "eur",
                    email: nil, dispatches: [dispatch(id, subject: "cs_test_2")], now: t0)
            }
            #expect(try await store.transitionPurchase(expire("fev_expired")) == .applied)
            #expect(try await store.transitionPurchase(expire("fev_expired_again")) == .refused(current: .expired))
            let ids = try await store.dispatches(status: nil, subjectID: "cs_test_2", limit: 10).map(\.dispatch.id)
            #expect(ids == ["fev_expired"])
        }
    }

    @Test(arguments: TestStores.kinds)
    func aDispatchIsLeasedRetriedParkedAndReplayed(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            let order = StoreFixtures.order("ord_d", source: "src_d")
            try await store.insertOrder(order)
            var moved = order
            moved.version = 2
            let outgoing = Outgoing(dispatches: [dispatch("fev_a", subject: "ord_d"), dispatch("fev_a", subject: "ord_d")])
            #expect(try await store.updateOrder(moved, expectedVersion: 1, outgoing: outgoing, anomaly: nil, now: t0))

            let first = try await store.claimDispatches(limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60))
            #expect(first.map(\.dispatch.id) == ["fev_a"])
            #expect(first.first?.attempts == 1 && first.first?.createdAt == t0)
            #expect(first.first?.dispatch.payload == Data("{\"id\":\"fev_a\"}".utf8))
            // Leased: nobody else gets it until the lease ends.
            #expect(try await store.claimDispatches(limit: 10, now: t0.addingTimeInterval(30), leaseUntil: t0.addingTimeInterval(90)).isEmpty)

            try await store.markDispatchFailed(id: "fev_a", error: "merchant endpoint answered 500", retryAt: t0.addingTimeInterval(120), now: t0)
            #expect(try await store.claimDispatches(limit: 10, now: t0.addingTimeInterval(119), leaseUntil: t0.addingTimeInterval(200)).isEmpty)
            let second = try await store.claimDispatches(limit: 10, now: t0.addingTimeInterval(120), leaseUntil: t0.addingTimeInterval(200))
            #expect(second.first?.attempts == 2)

            try await store.markDispatchFailed(id: "fev_a", error: "gave up", retryAt: nil, now: t0.addingTimeInterval(121))
            let dead = try await store.dispatches(status: .dead, subjectID: nil, limit: 10)
            #expect(dead.map(\.dispatch.id) == ["fev_a"])
            #expect(dead.first?.lastError == "gave up" && dead.first?.attempts == 2)
            #expect(try await store.claimDispatches(limit: 10, now: t0.addingTimeInterval(10_000), leaseUntil: t0.addingTimeInterval(10_100)).isEmpty)

            #expect(try await store.dispatch(id: "fev_a")?.status == .dead, "found by its id")
            #expect(try await store.dispatch(id: "fev_missing") == nil)
            #expect(try await store.replayDispatch(id: "fev_a", now: t0.addingTimeInterval(500)))
            #expect(try await store.replayDispatch(id: "fev_missing", now: t0) == false)
            let replayed = try await store.claimDispatches(limit: 10, now: t0.addingTimeInterval(500), leaseUntil: t0.addingTimeInterval(560))
            #expect(replayed.map(\.dispatch.id) == ["fev_a"] && replayed.first?.attempts == 3)
            try await store.markDispatchDelivered(id: "fev_a", now: t0.addingTimeInterval(501))
            let delivered = try #require(try await store.dispatches(status: .delivered, subjectID: "ord_d", limit: 10).first)
            #expect(delivered.deliveredAt == t0.addingTimeInterval(501) && delivered.lastError == nil)
            #expect(try await store.claimDispatches(limit: 10, now: t0.addingTimeInterval(10_000), leaseUntil: t0.addingTimeInterval(10_100)).isEmpty)
        }
    }

    @Test(arguments: TestStores.kinds)
    func dispatchesAreCountedByStatus(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            #expect(try await store.dispatchCounts().isEmpty)
            let order = StoreFixtures.order("ord_c", source: "src_c")
            try await store.insertOrder(order)
            var moved = order
            moved.version = 2
            let dispatches = ["fev_1", "fev_2", "fev_3"].map {
                Dispatch(id: $0, channel: "merchant", type: "order.paid", subjectID: "ord_c", payload: Data("{}".utf8))
            }
            #expect(try await store.updateOrder(moved, expectedVersion: 1, outgoing: Outgoing(dispatches: dispatches), anomaly: nil, now: StoreFixtures.t0))
            try await store.markDispatchDelivered(id: "fev_1", now: StoreFixtures.t0)
            try await store.markDispatchFailed(id: "fev_2", error: "gave up", retryAt: nil, now: StoreFixtures.t0)
            #expect(try await store.dispatchCounts() == [.delivered: 1, .dead: 1, .pending: 1])
        }
    }
}
