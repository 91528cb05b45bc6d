import Foundation
import FulfillmentCore
import TestSupport
import Testing

/// The reconciler's state and retention, against every store.
@Suite struct MaintenanceContractTests {
    let t0 = StoreFixtures.t0

    @Test(arguments: TestStores.kinds)
    func oneHolderAtATimeHoldsTheReconcilerUntilItFinishesOrTheLeaseEnds(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            #expect(try await store.reconcilerState() == ReconcilerState(), "nothing yet")
            #expect(try await store.claimReconciler(holder: "a", now: t0, leaseUntil: t0.addingTimeInterval(600)))
            #expect(try await !store.claimReconciler(holder: "b", now: t0.addingTimeInterval(1), leaseUntil: t0.addingTimeInterval(601)))
            // The holder renews; its start time stays.
            #expect(try await store.claimReconciler(holder: "a", now: t0.addingTimeInterval(5), leaseUntil: t0.addingTimeInterval(605)))
            var state = try await store.reconcilerState()
            #expect(state.leaseHolder == "a" && state.leaseUntil == t0.addingTimeInterval(605) && state.lastStartedAt == t0)
            // Only the holder finishes; the watermark moves and the lease is free.
            try await store.finishReconciliation(holder: "b", watermark: t0.addingTimeInterval(9), summary: "not mine", now: t0)
            #expect(try await store.reconcilerState().watermark == nil)
            try await store.finishReconciliation(holder: "a", watermark: t0, summary: "recovered 2", now: t0.addingTimeInterval(10))
            state = try await store.reconcilerState()
            #expect(state.watermark == t0 && state.leaseHolder == nil && state.lastSummary == "recovered 2")
            #expect(state.lastFinishedAt == t0.addingTimeInterval(10))
            // A dry run leaves the watermark; a holder that died loses the lease when it ends.
            #expect(try await store.claimReconciler(holder: "b", now: t0.addingTimeInterval(20), leaseUntil: t0.addingTimeInterval(30)))
            try await store.finishReconciliation(holder: "b", watermark: nil, summary: "dry run", now: t0.addingTimeInterval(21))
            #expect(try await store.reconcilerState().watermark == t0)
            #expect(try await store.claimReconciler(holder: "c", now: t0.addingTimeInterval(40), leaseUntil: t0.addingTimeInterval(50)))
            #expect(try await store.claimReconciler(holder: "d", now: t0.addingTimeInterval(50), leaseUntil: t0.addingTimeInterval(60)))
        }
    }

    @Test(arguments: TestStores.kinds)
    func recoveredEventsKeepTheirOriginAndDeduplicateWithWebhooks(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            var recovered = StoreFixtures.event("evt_r")
            recovered.origin = .reconciler
            #expect(try await store.insertEvents([recovered, StoreFixtures.event("evt_w")]) == [.inserted, .inserted])
            #expect(try await store.insertEvent(StoreFixtures.event("evt_r")) == .duplicate, "a late webhook of it is a duplicate")
            #expect(try await store.event(id: "evt_r")?.origin == .reconciler)
            #expect(try await store.event(id: "evt_w")?.origin == .webhook)
        }
    }

    @Test(arguments: TestStores.kinds)
    func pruningDropsOldHandledPayloadsKeepsTheirIdsAndNeverTouchesParkedEvents(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            for id in ["evt_old", "evt_older", "evt_new", "evt_dead", "evt_pending"] { _ = try await store.insertEvent(StoreFixtures.event(id)) }
            _ = try await store.claimEvents(limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60))
            try await store.completeEvent(id: "evt_older", status: .processed, note: nil, now: t0.addingTimeInterval(-40 * 86400))
            try await store.completeEvent(id: "evt_old", status: .ignored, note: nil, now: t0.addingTimeInterval(-10 * 86400))
            try await store.completeEvent(id: "evt_new", status: .processed, note: nil, now: t0)
            try await store.failEvent(id: "evt_dead", error: "gone", retryAt: nil, parkAs: .dead, now: t0.addingTimeInterval(-50 * 86400))
            let result = try await store.pruneEvents(
                payloadsBefore: t0.addingTimeInterval(-7 * 86400), rowsBefore: t0.addingTimeInterval(-35 * 86400))
            #expect(result == PruneResult(payloadsDropped: 1, rowsDeleted: 1))
            #expect(try await store.event(id: "evt_older") == nil)
            let old = try #require(try await store.event(id: "evt_old"))
            #expect(old.payload.isEmpty && old.status == .ignored)
            #expect(try await store.insertEvent(StoreFixtures.event("evt_old")) == .duplicate, "its id still deduplicates")
            #expect(try await store.event(id: "evt_new")?.payload.isEmpty == false)
            #expect(try await store.event(id: "evt_dead")?.payload.isEmpty == false, "parked events stay whole")
            #expect(try await store.event(id: "evt_pending")?.payload.isEmpty == false)
            #expect(try await store.pruneEvents(payloadsBefore: t0.addingTimeInterval(-7 * 86400), rowsBefore: t0.addingTimeInterval(-35 * 86400))
                == PruneResult(payloadsDropped: 0, rowsDeleted: 0), "pruning again changes nothing")
        }
    }
}

@Suite struct OperatorContractTests {
    let t0 = StoreFixtures.t0

    @Test(arguments: TestStores.kinds)
    func eventsAreFoundByStatusTypeAndObjectAndOperatorActionsAreKept(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            _ = try await store.insertEvents([
                StoreFixtures.event("evt_1", type: "checkout.session.completed", objectID: "cs_a", at: 0),
                StoreFixtures.event("evt_2", type: "checkout.session.expired", objectID: "cs_a", at: 1),
                StoreFixtures.event("evt_3", type: "checkout.session.completed", objectID: "cs_b", at: 2),
            ])
            try await store.failEvent(id: "evt_3", error: "boom", retryAt: nil, parkAs: .dead, now: t0)
            #expect(try await store.listEvents(matching: EventFilter(objectID: "cs_a"), limit: 10).map(\.id) == ["evt_2", "evt_1"])
            #expect(try await store.listEvents(matching: EventFilter(type: "checkout.session.completed"), limit: 10).map(\.id) == ["evt_3", "evt_1"])
            #expect(try await store.listEvents(matching: EventFilter(status: .dead, type: "checkout.session.completed"), limit: 10).map(\.id) == ["evt_3"])
            #expect(try await store.listEvents(matching: EventFilter(status: .dead, objectID: "cs_a"), limit: 10).isEmpty)

            try await store.recordOperatorAction(OperatorAction(at: t0, actor: "127.0.0.1", action: "sign-in refused", detail: "wrong password"))
            try await store.recordOperatorAction(OperatorAction(at: t0.addingTimeInterval(5), actor: "operator", action: "replay event", detail: "evt_3"))
            let log = try await store.operatorActions(limit: 10)
            #expect(log.map(\.action) == ["replay event", "sign-in refused"])
            #expect(log.first == OperatorAction(at: t0.addingTimeInterval(5), actor: "operator", action: "replay event", detail: "evt_3"))
        }
    }
}
